"""One access-log line per request, human-readable by default and JSON with log_format=json.

The line is written after the response has gone out, so the records are read once the server has
stopped (running_emulator joins its thread on exit)."""

from __future__ import annotations

import json
import logging

import pytest
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import running_emulator


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
