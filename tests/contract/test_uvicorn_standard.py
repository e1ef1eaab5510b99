"""Header spelling does not depend on what else is installed: in a venv with `uvicorn[standard]`
(httptools, uvloop), uvicorn's automatic choice lower-cases response header names and the Python SDK
fails (`KeyError: 'Content-Length'`; docs/wire-compat.md §7). The emulator names h11 explicitly in the
CLI and in `running_emulator`; this runs both inside `.venv-standard` (made by `scripts/setup --test`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STANDARD_PYTHON = ROOT / ".venv-standard" / "bin" / "python"

SCRIPT = r"""
import os, signal, subprocess, sys, tempfile, time, urllib.request
import httptools  # the venv really has uvicorn[standard]
import uvicorn.config
from qcloud_cos import CosConfig, CosS3Client
from cos_ocr_emulator.testing import running_emulator
from cos_ocr_emulator.testing.server import free_port

# Control: left to itself, uvicorn picks httptools here (the setting that broke the SDK).
assert uvicorn.config.Config(app=None).http == "auto"
from uvicorn.protocols.http.auto import AutoHTTPProtocol
assert AutoHTTPProtocol.__name__ == "HttpToolsProtocol", AutoHTTPProtocol


def exercise(client, bucket):
    data = os.urandom(3 * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "src.bin"), os.path.join(tmp, "dst.bin")
        with open(src, "wb") as fh:
            fh.write(data)
        client.upload_file(Bucket=bucket, Key="big.bin", LocalFilePath=src, PartSize=1)  # upload_part: ETag
        client.download_file(Bucket=bucket, Key="big.bin", DestFilePath=dst, PartSize=1)  # Content-Length
        assert open(dst, "rb").read() == data
    head = client.head_object(Bucket=bucket, Key="big.bin")
    assert head["Content-Length"] == str(len(data)) and head["ETag"].endswith('-3"'), head


with running_emulator() as emu:
    exercise(emu.client(), emu.bucket)

port = free_port()
with tempfile.TemporaryDirectory() as data_dir:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), "--storage", "memory",
         "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        config = CosConfig(Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
                           Scheme="http", IP="127.0.0.1", Port=port)
        exercise(CosS3Client(config, retry=0), "examplebucket-1250000000")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
print("ok")
"""


@pytest.mark.slow
def test_sdk_works_where_uvicorn_standard_is_installed() -> None:
    assert STANDARD_PYTHON.exists(), "run `bash scripts/setup --test` (it makes .venv-standard)"
    result = subprocess.run(
        [str(STANDARD_PYTHON), "-c", SCRIPT], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr
