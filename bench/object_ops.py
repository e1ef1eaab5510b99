"""Small-object requests per second under a real load generator, against a floor measured in the same run.

    python bench/object_ops.py [--repeat 3] [--duration 5] [--connections 16] [--threads 2]

Needs `wrk` (Debian package; `bash scripts/setup --test` installs it). Two servers are started:
- the emulator, as users run it: `python -m cos_ocr_emulator.cli` with disk storage (every PUT is
  fsynced and committed before its 200) on a temp data dir next to the repository, default settings;
- the floor (bench/_floor.py): a minimal ASGI app on the same uvicorn (h11, uvloop when installed) that
  answers a 1 KiB GET/PUT from memory.
wrk drives both with the same requests, signed once up front (q-sign headers valid for two hours): GET of
a 1 KiB object, and PUT of 1 KiB bodies that differ on every request (so no two share a blob) to 1000
rotating keys. Each repeat measures floor GET, emulator GET, floor PUT, emulator PUT, one after the
other; the table shows medians over the repeats, the ratio emulator/floor (median of the per-repeat
ratios), and each server's CPU time per request (user + system from /proc/<pid>/stat, all threads).
The machine's load average is printed before and after: on a shared machine absolute numbers move,
the same-run ratio much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, free_port, launch, start_server, stop_server

sys.path.insert(0, str(ROOT))
from cos_ocr_emulator.auth.signing import build_authorization
from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY

GET_PATH = "/bench/get-1k"
PUT_KEYS = 1000
TARGETS = {"GET": 0.40, "PUT": 0.25}
_TICK = os.sysconf("SC_CLK_TCK")


def authorization(method: str, path: str, host: str) -> str:
    now = int(time.time())
    return build_authorization(
        DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, method, path, {}, {"host": host}, now - 60, now + 7200
    )


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def get_script(host: str) -> str:
    return (
        f'wrk.method = "GET"\nwrk.path = {lua_string(GET_PATH)}\n'
        f'wrk.headers["Authorization"] = {lua_string(authorization("GET", GET_PATH, host))}\n'
    )


def put_script(host: str, run: str) -> str:
    """Bodies carry the run, wrk thread and request counter, so every PUT writes bytes never seen before."""
    paths = [f"/bench/put/{i:04d}" for i in range(PUT_KEYS)]
    rows = ",\n".join(f"{{{lua_string(p)}, {lua_string(authorization('PUT', p, host))}}}" for p in paths)
    return f"""local signed = {{
{rows}
}}
local run = {lua_string(run)}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

function request()
  counter = counter + 1
  local entry = signed[(counter + (tid or 0) * 500) % #signed + 1]
  local head = string.format("%s-%d-%d-", run, tid or 0, counter)
  local body = head .. string.rep("p", 1024 - #head)
  local headers = {{["Authorization"] = entry[2], ["Content-Type"] = "application/octet-stream"}}
  return wrk.format("PUT", entry[1], headers, body)
end
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


@dataclass
class Run:
    rps: float
    cpu_ms: float  # server CPU per request


def drive(pid: int, port: int, script: Path, args: argparse.Namespace, duration: int) -> Run:
    cmd = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "-s", str(script),
        f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    before = cpu_seconds(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - before
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests against port {port}:\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Run(rps, 1000 * used / max(total, 1))


def put_get_object(port: int) -> None:
    host = f"127.0.0.1:{port}"
    request = urllib.request.Request(
        f"http://{host}{GET_PATH}", data=b"g" * 1024, method="PUT",
        headers={"Authorization": authorization("PUT", GET_PATH, host)},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=30).read()


def loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--storage", choices=["disk", "memory"], default="disk")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk, or bash scripts/setup --test)")
    loadavg_before = Path("/proc/loadavg").read_text().split()[:3]
    results: dict[tuple[str, str], list[Run]] = {}
    ratios: dict[str, list[float]] = {"GET": [], "PUT": []}
    with tempfile.TemporaryDirectory(prefix="cos-bench-", dir=ROOT) as tmp:
        work = Path(tmp)
        emulator, emu_port = start_server("--data-dir", str(work / "data"), "--storage", args.storage)
        floor_port = free_port()
        floor = launch([sys.executable, str(Path(__file__).with_name("_floor.py")), str(floor_port)], floor_port)
        try:
            servers = {"floor": (floor, floor_port), "emulator": (emulator, emu_port)}
            scripts: dict[tuple[str, str], Path] = {}
            for name, (_proc, port) in servers.items():
                put_get_object(port)
                for op, text in (("GET", get_script(f"127.0.0.1:{port}")), ("PUT", None)):
                    path = work / f"{name}-{op}.lua"
                    scripts[(name, op)] = path
                    if text is not None:
                        path.write_text(text)
            for repeat in range(args.repeat + 1):  # repeat 0 warms both servers up and is not counted
                for op in ("GET", "PUT"):
                    run_rps: dict[str, float] = {}
                    for name, (proc, port) in servers.items():
                        if op == "PUT":  # fresh bodies in every repeat
                            nonce = secrets.token_hex(4)
                            scripts[(name, op)].write_text(put_script(f"127.0.0.1:{port}", nonce))
                        result = drive(proc.pid, port, scripts[(name, op)], args, 1 if repeat == 0 else args.duration)
                        if repeat:
                            results.setdefault((name, op), []).append(result)
                            run_rps[name] = result.rps
                    if repeat:
                        ratios[op].append(run_rps["emulator"] / run_rps["floor"])
        finally:
            stop_server(emulator)
            stop_server(floor)
    loadavg_after = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, median of {args.repeat} repeats; "
        f"{os.cpu_count()} CPUs, load average {' '.join(loadavg_before)} before, {' '.join(loadavg_after)} after; "
        f"Python {platform.python_version()}, uvicorn h11 on {loop_name()}; emulator storage: {args.storage}"
    )
    header = f"{'1 KiB':<6} {'floor req/s':>12} {'emulator req/s':>15} {'ratio':>6} {'target':>7} "
    print(header + f"{'floor CPU/req':>14} {'emulator CPU/req':>17}")
    for op in ("GET", "PUT"):
        floor_runs, emu_runs = results[("floor", op)], results[("emulator", op)]
        print(
            f"{op:<6} {statistics.median(r.rps for r in floor_runs):>12.0f} "
            f"{statistics.median(r.rps for r in emu_runs):>15.0f} {statistics.median(ratios[op]):>5.2f}x "
            f"{TARGETS[op]:>6.2f}x {statistics.median(r.cpu_ms for r in floor_runs):>11.2f} ms "
            f"{statistics.median(r.cpu_ms for r in emu_runs):>14.2f} ms"
        )
    print("per repeat ratio GET: " + " ".join(f"{r:.2f}" for r in ratios["GET"]))
    print("per repeat ratio PUT: " + " ".join(f"{r:.2f}" for r in ratios["PUT"]))


if __name__ == "__main__":
    main()
