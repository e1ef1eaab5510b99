"""An acknowledged PUT survives `kill -9`: the real CLI on a data dir, 200 PUTs through the Python SDK, SIGKILL
right after the 200th 200 OK, a restart on the same dir, and every object read back byte for byte."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import md5_hex
from qcloud_cos import CosConfig, CosS3Client

from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY
from cos_ocr_emulator.testing.server import free_port

pytestmark = [pytest.mark.sdk, pytest.mark.slow]

BUCKET = "examplebucket-1250000000"
COUNT = 200


def start_cli(port: int, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("COS_EMULATOR_")}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the emulator exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:  # refused, or too slow to answer on a loaded machine
            pass
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the emulator did not become healthy:\n{log.read_text()}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def sdk(port: int) -> CosS3Client:
    conf = CosConfig(
        Region="ap-guangzhou", SecretId=DEFAULT_SECRET_ID, SecretKey=DEFAULT_SECRET_KEY, Scheme="http",
        IP="127.0.0.1", Port=port, Timeout=30,
    )  # fmt: skip
    return CosS3Client(conf, retry=0)


def restart(port: int, data_dir: Path, log: Path, processes: list[subprocess.Popen[bytes]]) -> CosS3Client:
    """The server started again on the data dir a SIGKILL left behind, and a client for it."""
    processes.append(start_cli(port, data_dir, log))
    return sdk(port)


def assert_bodies(client: CosS3Client, expected: dict[str, str]) -> None:
    """Every acknowledged key reads back with the MD5 of what was acknowledged."""
    for key, digest in expected.items():
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read()
        assert md5_hex(body) == digest, key


def content(i: int) -> bytes:
    # Distinct sizes (0 .. ~40 KB) and distinct bytes for every object.
    seed = hashlib.sha256(f"object {i}".encode()).digest()
    return (seed * (i * 7 + 1))[: i * 211]


def test_acknowledged_puts_survive_kill_9(tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "emulator.log"
    port = free_port()
    first = start_cli(port, data_dir, log)
    processes.append(first)
    client = sdk(port)
    expected: dict[str, str] = {}
    for i in range(COUNT):
        key = f"durable/{i:03d}-{i * 211}.bin"
        body = content(i)
        result = client.put_object(Bucket=BUCKET, Key=key, Body=body)
        assert result["ETag"] == f'"{md5_hex(body)}"'
        expected[key] = md5_hex(body)
    os.kill(first.pid, signal.SIGKILL)  # right after the 200th 200 OK: no graceful shutdown
    assert first.wait(timeout=10) == -signal.SIGKILL

    client = restart(port, data_dir, log, processes)
    assert_bodies(client, expected)
    listed = client.list_objects(Bucket=BUCKET, Prefix="durable/", MaxKeys=1000)
    assert [c["Key"] for c in listed["Contents"]] == sorted(expected)


def test_acknowledged_concurrent_puts_survive_kill_9(tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    """Concurrent PUTs share commits (group commit): every one acknowledged before SIGKILL, from any of 8
    clients, is there after a restart, whole; anything half done is absent or whole, never torn."""
    data_dir, log = tmp_path / "data", tmp_path / "emulator.log"
    port = free_port()
    first = start_cli(port, data_dir, log)
    processes.append(first)
    acked: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w: int) -> None:
        client = sdk(port)
        for i in range(10_000):
            if stop.is_set():
                return
            key, body = f"group/{w}-{i:04d}", content(w * 60 + i % 60)
            try:
                client.put_object(Bucket=BUCKET, Key=key, Body=body)
            except Exception:  # the kill cut this one off: it was never acknowledged
                return
            with lock:
                acked[key] = md5_hex(body)
                if len(acked) >= COUNT:
                    stop.set()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    stop.wait(timeout=300)
    with lock:  # nothing can be added while we kill: a PUT whose 200 arrives now is not counted
        os.kill(first.pid, signal.SIGKILL)
        expected = dict(acked)
    assert first.wait(timeout=10) == -signal.SIGKILL
    for thread in threads:
        thread.join(timeout=60)
    assert len(expected) >= COUNT

    client = restart(port, data_dir, log, processes)
    assert_bodies(client, expected)
    listed = client.list_objects(Bucket=BUCKET, Prefix="group/", MaxKeys=1000)["Contents"]
    for entry in listed:  # unacknowledged writes that landed anyway are whole
        w, i = entry["Key"][len("group/") :].split("-")
        body = client.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].get_raw_stream().read()
        assert body == content(int(w) * 60 + int(i) % 60), entry["Key"]


def test_acknowledged_overwrites_and_deletes_survive_kill_9(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    """8 clients each rewrite and delete five keys of their own, with bodies stored inline (up to 64 KiB) and
    as files (larger), swapping kinds on the same key. After SIGKILL every key holds what its last
    acknowledged request left (or, for the one request per client that was in flight, what that one left)."""
    data_dir, log = tmp_path / "data", tmp_path / "emulator.log"
    port = free_port()
    first = start_cli(port, data_dir, log)
    processes.append(first)
    acked: dict[str, str | None] = {}  # key -> md5 of its acknowledged body, None: acknowledged delete
    pending: dict[int, tuple[str, str | None]] = {}  # writer -> the request it has in flight
    lock = threading.Lock()
    stop = threading.Event()
    done = [0]

    def writer(w: int) -> None:
        client = sdk(port)
        for i in range(10_000):
            key = f"mix/{w}-{i % 5}"
            body = None if i % 4 == 3 else _mixed_body(w, i)
            with lock:
                if stop.is_set():
                    return
                pending[w] = (key, None if body is None else md5_hex(body))
            try:
                if body is None:
                    client.delete_object(Bucket=BUCKET, Key=key)
                else:
                    client.put_object(Bucket=BUCKET, Key=key, Body=body)
            except Exception:  # cut off by the kill: never acknowledged
                return
            with lock:
                if stop.is_set():  # answered after the kill decision: counts as in flight only
                    return
                acked[key] = pending.pop(w)[1]
                done[0] += 1
                if done[0] >= COUNT:
                    stop.set()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    stop.wait(timeout=300)
    with lock:
        stop.set()
        os.kill(first.pid, signal.SIGKILL)
        expected, in_flight = dict(acked), dict(pending)
    assert first.wait(timeout=10) == -signal.SIGKILL
    for thread in threads:
        thread.join(timeout=60)
    assert sum(1 for v in expected.values() if v is None) > 0 and len(expected) == 40

    client = restart(port, data_dir, log, processes)
    listed = {c["Key"] for c in client.list_objects(Bucket=BUCKET, Prefix="mix/", MaxKeys=1000).get("Contents", [])}
    for key, digest in expected.items():
        allowed = {digest} | {state for k, state in in_flight.values() if k == key}
        found = None
        if key in listed:
            found = md5_hex(client.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read())
        assert found in allowed, (key, found, allowed)


def _mixed_body(w: int, i: int) -> bytes:
    size = 70_000 + i * 13 if (w + i) % 2 else i * 97 % 60_000  # a file, or inline
    seed = hashlib.sha256(f"mixed {w} {i}".encode()).digest()
    return (seed * (size // 32 + 1))[:size]
