"""Running wrk and reading the line its Lua ``done()`` prints (lua/report.lua)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
WRK = "/usr/bin/wrk"
MISSING = (
    "wrk is not installed: the benchmark drives the server with it. "
    "Install it with `apt-get install --no-install-recommends wrk` (Debian/Ubuntu)."
)


def find() -> str:
    path = WRK if Path(WRK).exists() else shutil.which("wrk")
    if not path:
        raise SystemExit(MISSING)
    return path


def version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout
    return out.split("Copyright")[0].strip() or "unknown"


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int]
    extra: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def script(work_dir: Path, name: str) -> Path:
    """lua/<name>.lua with report.lua appended (wrk takes one script)."""
    if name == "report":
        return LUA / "report.lua"
    combined = work_dir / f"wrk-{name}.lua"
    if not combined.exists():
        combined.write_text((LUA / f"{name}.lua").read_text() + "\n" + (LUA / "report.lua").read_text())
    return combined


def run(
    wrk: str,
    url: str,
    seconds: float,
    *,
    threads: int = 2,
    connections: int = 8,
    headers: dict[str, str] | None = None,
    lua: Path,
    args: list[str] | None = None,
    timeout: int = 30,
) -> Run:
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", f"--timeout={timeout}s", "-s", str(lua)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    if args:
        argv += ["--", *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}) on {url}: {done.stderr.strip() or done.stdout.strip()}")
    data = json.loads(line.removeprefix("BENCH-JSON "))
    errors = {key: data.pop(key) for key in ("connect", "read", "write", "status", "timeout")}
    return Run(
        requests=data.pop("requests"),
        seconds=data.pop("duration_us") / 1e6,
        p50_ms=data.pop("p50") / 1000,
        p95_ms=data.pop("p95") / 1000,
        p99_ms=data.pop("p99") / 1000,
        errors=errors,
        extra=data,
    )
