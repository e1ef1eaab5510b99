"""The request edge: every exception becomes COS XML and is journaled with the status sent; admin paths
are split off by one addressing rule; clients that disconnect leave one log line and no traceback."""

from __future__ import annotations

import http.client
import logging
import socket
import time

import httpx
import pytest

from cos_ocr_emulator.testing import RunningEmulator, running_emulator
from tests.contract.conftest import raw_request, sign


@pytest.fixture(scope="module")
def emu():
    with running_emulator() as running:
        yield running


def test_unexpected_exception_is_500_xml_and_journaled_as_500(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cos_ocr_emulator.storage.store import SqliteStore

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SqliteStore, "head_object", boom)  # a bug we cannot cause otherwise
    emu.clear_requests()
    resp = raw_request(emu, "GET", "anything.txt")
    assert resp.status == 500
    assert b"<Code>InternalError</Code>" in resp.body
    assert resp.header("x-cos-request-id")
    assert resp.header("Content-Type") == "application/xml"
    [entry] = emu.requests(key="anything.txt")
    assert (entry["status"], entry["error_code"], entry["operation"]) == (500, "InternalError", "GetObject")
    assert entry["request_id"] == resp.header("x-cos-request-id")


@pytest.mark.parametrize("path", ["/_emulator", "/_emulator/"])
def test_admin_root_is_the_admin_api(emu: RunningEmulator, path: str) -> None:
    resp = httpx.get(emu.endpoint + path)
    assert resp.status_code == 200, resp.text
    assert "a admin" not in resp.text
    body = resp.json()
    assert body["health"] == "/_emulator/health"


def test_admin_path_on_a_bucket_host_is_an_object_key(emu: RunningEmulator) -> None:
    resp = raw_request(emu, "GET", "_emulator/health")
    assert resp.status == 404 and b"<Code>NoSuchKey</Code>" in resp.body


def test_client_that_disconnects_mid_upload_leaves_one_line_and_no_traceback(
    emu: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu.clear_requests()
    host = f"{emu.bucket}.cos.{emu.region}.myqcloud.com"
    with caplog.at_level(logging.INFO):
        with socket.create_connection(("127.0.0.1", emu.port)) as sock:
            auth = sign(emu, "PUT", "/gone.bin", (), {"host": host})
            head = f"PUT /gone.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\nContent-Length: 100000\r\n\r\n"
            sock.sendall(head.encode() + b"x" * 1000)
        for _ in range(100):
            entries = emu.requests(key="gone.bin")
            if entries:
                break
            time.sleep(0.05)
    [entry] = entries
    assert entry["status"] == 499
    access = [r for r in caplog.records if r.name == "cos_ocr_emulator.access" and "gone.bin" in r.getMessage()]
    assert len(access) == 1
    assert not any(r.exc_info for r in caplog.records), [r.getMessage() for r in caplog.records if r.exc_info]


def test_a_body_that_fails_mid_stream_cuts_the_connection_and_is_journaled_once(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cos_ocr_emulator.storage.store import SqliteStore

    emu.client().put_object(Bucket=emu.bucket, Key="midstream.bin", Body=b"x" * 300_000)

    def failing(self: SqliteStore, info: object, start: int, end: int):  # a disk error after the first chunk
        yield b"x" * 65536
        raise OSError("disk went away")

    monkeypatch.setattr(SqliteStore, "read_range", failing)
    emu.clear_requests()
    with caplog.at_level(logging.INFO):
        got = b""
        conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
        host = f"{emu.bucket}.cos.{emu.region}.myqcloud.com"
        auth = sign(emu, "GET", "/midstream.bin", (), {"host": host})
        conn.request("GET", "/midstream.bin", headers={"Host": host, "Authorization": auth})
        resp = conn.getresponse()
        resp_status = resp.status
        with pytest.raises(http.client.IncompleteRead):
            got = resp.read()
        conn.close()
    assert resp_status == 200 and len(got) < 300_000  # headers had gone out; the body is visibly short
    [entry] = emu.requests(key="midstream.bin")
    assert (entry["status"], entry["error_code"]) == (200, "InternalError")
    access = [r for r in caplog.records if r.name == "cos_ocr_emulator.access" and "midstream.bin" in r.getMessage()]
    assert len(access) == 1


def test_an_unexpected_admin_error_is_a_complete_json_500(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom() -> list[object]:
        raise RuntimeError("canned store broke")

    monkeypatch.setattr(emu.state.canned, "list", boom)
    resp = httpx.get(f"{emu.endpoint}/_emulator/ocr-results")
    assert resp.status_code == 500
    assert resp.json() == {"error": "InternalError", "message": "RuntimeError: canned store broke"}
