"""Warm engines: what the first OCR calls after start cost, against a warm call in the same run.
`python bench/ocr_warm.py [--fixture scan_en.png] [--rounds 3]`

Each round starts the real CLI (memory storage, the result cache off so every call really recognizes,
`ocr_workers=2`) twice, with warm-up on and with it off (`ocr_warm_instances=0`, the old behaviour):
  start     ms from launching the CLI until /_emulator/health first answers (process start, imports)
  health    ms of the next health call, made while the warm-up runs (start-up must not wait for it)
  ready     s until health reports `ocr.warmup.state == "ready"` (warm-up on only)
  first     ms of the first `ci_ocr_process` through the official Python SDK, sent once ready
  pair      ms until both of two simultaneous first calls have answered (a second server start)
  warm      ms p50 of five later single calls on the same server (the baseline)
  warm-pair ms p50 of three later simultaneous pairs (the baseline for `pair`)
Targets (warm-up on): first/warm <= 1.5 and pair/warm <= 1.5 (pair/warm-pair shown too: on 2 cores
two calls at once cannot both run as fast as one alone when anything else uses the CPU).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import ROOT, start_server, stop_server
from ocr_cache import BUCKET, client_for, timed

TARGET = 1.5


def health(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=30) as response:
        body: dict[str, object] = json.loads(response.read())
    return body


def start(warm: bool) -> tuple[object, int, float, float, float | None]:
    """Server, port, ms until health answered, ms of the next health call, s until warm-up was ready."""
    env = {"COS_EMULATOR_OCR_CACHE": "false", "COS_EMULATOR_OCR_WORKERS": "2",
           "COS_EMULATOR_OCR_WARM_INSTANCES": "2" if warm else "0"}  # fmt: skip
    began = time.perf_counter()
    proc, port = start_server("--storage", "memory", env=env)
    answered = (time.perf_counter() - began) * 1000
    latency = timed(lambda: health(port))
    ready = None
    if warm:
        while health(port)["ocr"]["warmup"]["state"] in ("pending", "warming"):  # type: ignore[index]
            time.sleep(0.02)
        ready = time.perf_counter() - began
    return proc, port, answered, latency, ready


def pair(client: object, key: str) -> float:
    call = lambda _: client.ci_ocr_process(Bucket=BUCKET, Key=key)  # type: ignore[attr-defined]  # noqa: E731
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(call, range(2)))
    return (time.perf_counter() - start) * 1000


def one_round(fixture: Path, warm: bool) -> dict[str, float]:
    data, key = fixture.read_bytes(), f"bench/{fixture.name}"
    proc, port, answered, latency, ready = start(warm)
    try:
        client = client_for(port)
        client.put_object(Bucket=BUCKET, Key=key, Body=data)
        first = timed(lambda: client.ci_ocr_process(Bucket=BUCKET, Key=key))
        warm_single = statistics.median(timed(lambda: client.ci_ocr_process(Bucket=BUCKET, Key=key)) for _ in range(5))
        warm_pair = statistics.median(pair(client, key) for _ in range(3))
    finally:
        stop_server(proc)  # type: ignore[arg-type]
    proc, port, _, _, _ = start(warm)
    try:
        client = client_for(port)
        client.put_object(Bucket=BUCKET, Key=key, Body=data)
        first_pair = pair(client, key)
    finally:
        stop_server(proc)  # type: ignore[arg-type]
    return {"start": answered, "health": latency, "ready": ready or 0.0, "first": first, "pair": first_pair,
            "warm": warm_single, "warm_pair": warm_pair}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", default="zh.png")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fixture = ROOT / "fixtures" / args.fixture
    header = ["warm-up", "start ms", "health ms", "ready s", "first ms", "pair ms", "warm ms", "warm-pair",
              "first/warm", "pair/warm", "pair/wpair"]  # fmt: skip
    print(" ".join(f"{h:>10}" for h in header))
    summary: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for _ in range(args.rounds):
        for warm in (True, False):
            r = one_round(fixture, warm)
            summary[warm].append(r)
            cells = ["on" if warm else "off", f"{r['start']:.0f}", f"{r['health']:.1f}", f"{r['ready']:.2f}",
                     f"{r['first']:.0f}", f"{r['pair']:.0f}", f"{r['warm']:.0f}", f"{r['warm_pair']:.0f}",
                     f"{r['first'] / r['warm']:.2f}", f"{r['pair'] / r['warm']:.2f}",
                     f"{r['pair'] / r['warm_pair']:.2f}"]  # fmt: skip
            print(" ".join(f"{c:>10}" for c in cells), flush=True)
    for warm in (True, False):
        rows = summary[warm]
        first = statistics.median(r["first"] / r["warm"] for r in rows)
        both = statistics.median(r["pair"] / r["warm"] for r in rows)
        both_pair = statistics.median(r["pair"] / r["warm_pair"] for r in rows)
        checks = (("first", first), ("pair", both), ("pair/warm-pair", both_pair))
        verdicts = [f"{name} {'ok' if value <= TARGET else 'MISSED'}" for name, value in checks]
        if not warm:
            verdicts = ["(baseline)"]
        print(f"warm-up {'on ' if warm else 'off'}: median first/warm {first:.2f}, pair/warm {both:.2f}, "
              f"pair/warm-pair {both_pair:.2f}; target <= {TARGET}: {', '.join(verdicts)}")  # fmt: skip


if __name__ == "__main__":
    main()
