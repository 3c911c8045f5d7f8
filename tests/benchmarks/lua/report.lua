-- wrk script for the benchmark (tests/benchmarks/run.py): at the end of a run, print one line
-- "BENCH-JSON {...}" with the latency percentiles in microseconds, the request count and the
-- errors as wrk counts them (socket errors, and status: responses other than 2xx or 3xx).
-- A script that cycles through requests (accept_post.lua) registers its threads in
-- bench_threads; their counters are added to the line.

local function counters()
  if bench_threads == nil then
    return ""
  end
  local sent, max_sent, accepted, other = 0, 0, 0, 0
  for _, thread in ipairs(bench_threads) do
    local n = thread:get("sent") or 0
    sent = sent + n
    if n > max_sent then
      max_sent = n
    end
    accepted = accepted + (thread:get("accepted") or 0)
    other = other + (thread:get("other") or 0)
  end
  return string.format(',"sent":%d,"max_sent":%d,"accepted":%d,"other":%d', sent, max_sent, accepted, other)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50":%d,"p95":%d,"p99":%d,"mean":%.1f,"max":%d,'
      .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d%s}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, counters()
  ))
end
