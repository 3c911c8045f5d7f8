-- wrk script for the client's acceptance POST on fresh links (tests/benchmarks/run.py).
-- Arguments after "--": a file of prepared requests, one per line
-- "<path>\t<Cookie header>\t<urlencoded body>", the first line to use, and wrk's thread count.
-- Each thread takes every n-th line from the offset, one per request, so no link is posted
-- twice; a thread that runs out repeats its last line (the harness sees it: not a 302).
-- Counts per thread: requests made ("sent"), 302 answers ("accepted": the decision was
-- recorded and the browser is sent to the outcome page) and anything else ("other").
-- report.lua is appended to this file by the harness; it prints the counters.

bench_threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(bench_threads, thread)
end

function init(args)
  local file, offset, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
  items = {}
  local i = 0
  for line in io.lines(file) do
    if i >= offset and (i - offset) % nthreads == tid then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(items, { path, cookie, body })
    end
    i = i + 1
  end
  sent, accepted, other = 0, 0, 0
end

function request()
  sent = sent + 1
  local item = items[sent] or items[#items]
  return wrk.format("POST", item[1], {
    ["Cookie"] = item[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, item[3])
end

function response(status, headers, body)
  if status == 302 then
    accepted = accepted + 1
  else
    other = other + 1
  end
end
