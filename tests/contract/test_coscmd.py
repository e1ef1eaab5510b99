"""coscmd (the official CLI) against the emulator through `HTTP_PROXY` (docs/wire-compat.md §1.2): coscmd has no
IP/port option, so requests sends absolute-form targets (`PUT http://<bucket>.cos.<region>.myqcloud.com/k`)
to the emulator, which must accept them."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import md5_hex, unique
from qcloud_cos import CosS3Client

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk


def write_config(path: Path, emu: RunningEmulator) -> Path:
    # retry = 1: coscmd's own loops run `range(retry)` times, so 0 would skip the request entirely
    # ("cannot access local variable 'rt'"); the SDK then retries only 5xx, which must not happen here.
    path.write_text(
        "[common]\n"
        f"secret_id = {emu.secret_id}\nsecret_key = {emu.secret_key}\n"
        f"bucket = {emu.bucket}\nregion = {emu.region}\n"
        "schema = http\nmax_thread = 5\npart_size = 1\nretry = 1\ntimeout = 30\nverify = md5\n"
    )
    return path


def coscmd(config: Path, proxy_port: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    env["HTTP_PROXY"] = env["http_proxy"] = f"http://127.0.0.1:{proxy_port}"
    env["NO_PROXY"] = env["no_proxy"] = "localhost"  # must not cover the bucket host
    return subprocess.run(
        [sys.executable, "-m", "coscmd.cos_cmd", "-c", str(config), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def config(tmp_path: Path, emu: RunningEmulator) -> Path:
    return write_config(tmp_path / "cos.conf", emu)


def test_upload_list_info_download_delete(
    config: Path, emu: RunningEmulator, client: CosS3Client, tmp_path: Path
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # above part_size: the download is ranged
    src, dst = tmp_path / "up.bin", tmp_path / "down.bin"
    src.write_bytes(data)
    prefix = unique("cmd")
    key = f"{prefix}/dir/up file.bin"

    ok(coscmd(config, emu.port, "upload", str(src), key))
    head = client.head_object(Bucket=emu.bucket, Key=key)
    assert head["Content-Length"] == str(len(data))
    assert head["x-cos-meta-md5"] == md5_hex(data)

    listing = ok(coscmd(config, emu.port, "list", "-r", prefix + "/"))
    assert key in listing
    info = ok(coscmd(config, emu.port, "info", key))
    assert str(len(data)) in info
    assert md5_hex(data) in info

    ok(coscmd(config, emu.port, "download", key, str(dst)))
    assert md5_hex(dst.read_bytes()) == md5_hex(data)

    ok(coscmd(config, emu.port, "delete", "-f", key))
    assert client.object_exists(Bucket=emu.bucket, Key=key) is False
    assert key not in ok(coscmd(config, emu.port, "list", "-r", prefix + "/"))
    # Every one of those requests reached the emulator on the bucket's own host name.
    hosts = {e["host"] for e in emu.state.journal if e["key"] == key}
    assert hosts == {f"{emu.bucket}.cos.{emu.region}.myqcloud.com"}


class Tap:
    """A TCP relay in front of the emulator that keeps every byte the client sent."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sent = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(conn, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, conn, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if record:
                    self.sent += chunk
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def tap(emu: RunningEmulator) -> Iterator[Tap]:
    relay = Tap(emu.port)
    yield relay
    relay.close()


def test_small_upload_sends_content_md5_and_meta_md5(
    config: Path, emu: RunningEmulator, client: CosS3Client, tap: Tap, tmp_path: Path
) -> None:
    data = b"small coscmd upload\n" * 10
    src = tmp_path / "small.txt"
    src.write_bytes(data)
    key = unique("cmd") + "/small.txt"
    ok(coscmd(config, tap.port, "upload", str(src), key))
    wire = bytes(tap.sent)
    assert f"PUT http://{emu.bucket}.cos.{emu.region}.myqcloud.com/{key} HTTP/1.1".encode() in wire
    assert b"Content-MD5: " in wire
    assert f"x-cos-meta-md5: {md5_hex(data)}".encode() in wire
    head = client.head_object(Bucket=emu.bucket, Key=key)
    assert head["x-cos-meta-md5"] == md5_hex(data)
    assert head["ETag"] == f'"{md5_hex(data)}"'
