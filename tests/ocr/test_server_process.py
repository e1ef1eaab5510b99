"""Issue 9 on the real CLI process: shutdown with OCR in flight, and memory after every language type.

The server runs as users run it (`python -m cos_ocr_emulator.cli` in its own process, loopback port),
so signals, thread teardown and RSS are those of the real thing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cos_ocr_emulator.ocr.languages import TESSERACT_LANGUAGES, installed_languages
from fixtures.manifest import fixtures

from .slow_inputs import dense_page

ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 500


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), "--storage", "memory",
           "--auth-mode", "off", *args]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/_emulator/health", timeout=5).read()
            return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the emulator did not start")


def _put(base: str, key: str, data: bytes) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{base}/{key}", data=data, method="PUT"), timeout=60).read()


def _ocr(base: str, key: str, **params: str) -> tuple[int, bytes]:
    query = "&".join(f"{k}={v}" for k, v in {"ci-process": "OCR", **params}.items())
    try:
        with urllib.request.urlopen(f"{base}/{key}?{query}", timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize(
    ("sig", "engine"), [(signal.SIGTERM, "tesserocr"), (signal.SIGINT, "tesserocr"), (signal.SIGTERM, "ppocr")]
)
def test_signal_with_ocr_in_flight_stops_within_the_grace_period(sig: signal.Signals, engine: str) -> None:
    grace = 1.0
    proc, base = _start("--shutdown-grace", str(grace), "--ocr-timeout", "600", "--ocr-engine", engine)
    try:
        # Each engine's slow case: Tesseract on a 12 Mpx photo, PP-OCR on a page of many lines (its
        # recognition runs batch after batch, each an ONNX Runtime session run on a worker thread).
        data, kind = (fixtures()["photo_12mpx.jpg"].data(), "handwriting") if engine == "tesserocr" else (
            dense_page(2500), "general")  # fmt: skip
        _put(base, "big.jpg", data)
        outcome: list[object] = []

        def request() -> None:
            try:
                outcome.append(_ocr(base, "big.jpg", type=kind)[0])
            except OSError as exc:  # the connection closed under it: the job was cut off
                outcome.append(exc)

        client = threading.Thread(target=request)
        client.start()
        for _ in range(600):  # until a worker has taken the job (health shows it busy)
            with urllib.request.urlopen(f"{base}/_emulator/health", timeout=30) as response:
                if json.loads(response.read())["ocr"]["busy"]:
                    break
            time.sleep(0.02)
        assert not outcome, "the OCR request finished before the signal; the test proves nothing"
        signalled = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=grace + 20)  # raises if the server waited for the engine instead
        print(f"{engine}: stopped {time.monotonic() - signalled:.2f} s after the signal (grace {grace} s)")
        client.join(timeout=30)
        log = proc.stderr.read().decode() if proc.stderr else ""
        # uvicorn shuts down cleanly, then re-raises the signal so the exit status names it.
        assert code in (0, -sig, 128 + sig), log
        assert "Application shutdown complete" in log
        assert outcome and outcome[0] != 200, outcome  # cancelled, not completed after the grace
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="RSS is read from /proc")
def test_rss_bounded_after_every_language_type() -> None:
    codes = [*TESSERACT_LANGUAGES, "auto"]
    needed = {lang for code in TESSERACT_LANGUAGES for lang in TESSERACT_LANGUAGES[code].split("+")}
    if not needed <= installed_languages():
        pytest.skip("not every language pack is installed")
    proc, base = _start()  # default settings: the default LRU size must meet the bound
    try:
        _put(base, "line.png", fixtures()["line.bmp"].data())
        for code in codes:
            status, body = _ocr(base, "line.png", **{"language-type": code})
            assert status == 200, (code, body[:300])
        rss = _rss_mb(proc.pid)
        print(f"RSS after OCR in all {len(codes)} language types: {rss:.0f} MB")
        assert rss < RSS_LIMIT_MB
    finally:
        proc.terminate()
        proc.wait(timeout=60)
