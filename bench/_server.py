"""The emulator as users run it, for benchmarks: the real CLI in its own process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(
    cmd: list[str], port: int, health_path: str = "/_emulator/health", env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `cmd` (which listens on `port`, extra `env`); returns once `health_path` answers."""
    # COS_EMULATOR_* from the caller's shell would change what is measured: the defaults are.
    base = {name: value for name, value in os.environ.items() if not name.startswith("COS_EMULATOR_")}
    env = {**base, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{health_path}", timeout=5).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{cmd[1:3]} did not start")


def start_server(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Start `python -m cos_ocr_emulator.cli --port P *args` (extra `env`); returns once
    /_emulator/health answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), *args]
    return launch(cmd, port, env=env), port


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)
