"""One access-log line per request, human-readable by default and JSON with log_format=json.

The line is written after the response has gone out, so the records are read once the server has
stopped (running_emulator joins its thread on exit)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.accesslog import ACCESS, LOG_FORMAT, DirectLines, LineFormatter, log_request
from cos_ocr_emulator.auth.signing import build_authorization
from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY
from cos_ocr_emulator.record import RequestRecord
from cos_ocr_emulator.testing import running_emulator

ROOT = Path(__file__).resolve().parents[2]


def _access(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "cos_ocr_emulator.access"]


def test_json_access_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="cos_ocr_emulator.access"):
        with running_emulator(log_format="json") as emu:
            emu.client().put_object(Bucket=emu.bucket, Key="logged.txt", Body=b"x")
        entries = [json.loads(line) for line in _access(caplog)]
    entry = next(e for e in entries if e["key"] == "logged.txt")
    assert (entry["method"], entry["bucket"], entry["operation"], entry["auth"], entry["status"]) == (
        "PUT", emu.bucket, "PutObject", "signed", 200,
    )  # fmt: skip
    assert entry["request_id"] and entry["duration_ms"] >= 0


def test_text_access_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="cos_ocr_emulator.access"):
        with running_emulator() as emu, pytest.raises(CosServiceError):
            emu.client(SecretKey="wrong").head_object(Bucket=emu.bucket, Key="k")
        lines = _access(caplog)
    assert any(
        "HEAD /k" in line and "op=HeadObject" in line and "-> 403 SignatureDoesNotMatch" in line for line in lines
    )


def test_line_formatter_renders_what_the_standard_formatter_renders() -> None:
    """The CLI's formatter caches the seconds part of the time; every line still reads as
    logging.Formatter(LOG_FORMAT) would write it, across seconds, and with a datefmt too."""
    ours, standard = LineFormatter(), logging.Formatter(LOG_FORMAT)
    for created in (1_700_000_000.001, 1_700_000_000.999, 1_700_000_001.5, 1_700_000_000.25, 1_700_086_400.0):
        record = logging.LogRecord("cos_ocr_emulator.access", logging.INFO, __file__, 1, "a line", None, None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
        assert ours.formatTime(record, "%H:%M") == standard.formatTime(record, "%H:%M")


def test_log_request_honours_the_level(caplog: pytest.LogCaptureFixture) -> None:
    record = RequestRecord("rid", "tid", 0.0, 0.0, 0, "GET", "h", "/k", "")
    record.bucket, record.key, record.operation, record.status = "b-1250000000", "k", "GetObject", 200
    entry = record.entry(1.25)
    with caplog.at_level(logging.WARNING, logger=ACCESS.name):
        log_request(entry, "text")
    assert caplog.records == []
    with caplog.at_level(logging.INFO, logger=ACCESS.name):
        log_request(entry, "text")
    (line,) = [r for r in caplog.records if r.name == ACCESS.name]
    assert line.getMessage() == "rid GET /k bucket=b-1250000000 key=k op=GetObject ci=- auth=- -> 200  1.2ms"
    assert (line.levelname, line.funcName) == ("INFO", "log_request")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli_access_lines(*args: str) -> list[str]:
    """Start the real CLI, PUT and GET one object (signed), stop it; its stderr's access lines."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COS_EMULATOR_")}
    cmd = [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), "--storage", "memory", *args]
    proc = subprocess.Popen(cmd, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        host = f"127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://{host}/_emulator/health", timeout=5).read()
                break
            except OSError:
                time.sleep(0.05)
        now = int(time.time())
        for method, data in (("PUT", b"abc"), ("GET", None)):
            auth = build_authorization(
                DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, method, "/logged.txt", {}, {"host": host}, now - 60, now + 600
            )
            request = urllib.request.Request(
                f"http://{host}/logged.txt", data=data, method=method, headers={"Authorization": auth}
            )
            urllib.request.urlopen(request, timeout=30).read()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    return [line for line in err.splitlines() if " cos_ocr_emulator.access: " in line]


def test_cli_writes_one_line_per_request_in_its_format() -> None:
    lines = _cli_access_lines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO cos_ocr_emulator\.access: \S+ "
    assert len(lines) == 2, lines  # the health checks are admin requests: not logged
    assert re.fullmatch(stamp + r"PUT /logged\.txt bucket=examplebucket-1250000000 key=logged\.txt "
                        r"op=PutObject ci=- auth=signed -> 200  \d+\.\dms", lines[0])  # fmt: skip
    assert re.fullmatch(stamp + r"GET /logged\.txt .* op=GetObject .* -> 200  \d+\.\dms", lines[1])


def test_cli_log_level_warning_is_quiet() -> None:
    assert _cli_access_lines("--log-level", "warning") == []


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_direct_lines_read_as_the_handler_writes_them_one_write_per_loop_iteration() -> None:
    stream = _CountingStream()
    formatter = LineFormatter()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    direct = DirectLines(handler, formatter)

    async def three_requests() -> None:
        for n in range(3):
            direct.write(f"line {n}")
        await asyncio.sleep(0)  # the loop iteration ends: the lines go out together

    asyncio.run(three_requests())
    assert stream.writes == 1
    direct.write("no loop here")  # outside a loop: at once
    assert stream.writes == 2
    lines = stream.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["line 0", "line 1", "line 2", "no loop here"]
    record = logging.LogRecord(ACCESS.name, logging.INFO, __file__, 1, "no loop here", None, None)
    assert lines[-1][23:] == handler.format(record)[23:] == " INFO cos_ocr_emulator.access: no loop here"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", lines[-1][:23])
    assert abs(time.mktime(time.strptime(lines[-1][:19], "%Y-%m-%d %H:%M:%S")) - time.time()) < 5
