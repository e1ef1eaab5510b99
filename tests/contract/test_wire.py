"""Raw HTTP on a socket, signed with the reference signer: the wire details the SDKs depend on but never
show (request-target forms, chunked bodies, connection handling, exact header spelling, hosts and paths)."""

from __future__ import annotations

import http.client
import socket
import time
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from conftest import crc64, md5_hex, raw_request, sign, unique, vhost

from cos_ocr_emulator.testing import RunningEmulator

EXACT_NAMES = ["Content-Type", "Content-Length", "ETag", "Last-Modified", "x-cos-hash-crc64ecma", "x-cos-request-id"]


def exchange(emu: RunningEmulator, request: bytes, timeout: float = 10) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send raw bytes (the request must say `Connection: close`) and read until the server closes."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = bytearray()
        while chunk := sock.recv(65536):  # a server that ignores Connection: close times out here
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines[1:])]
    return status, headers, body


def header(headers: list[tuple[str, str]], name: str) -> str:
    values = [value for have, value in headers if have.lower() == name.lower()]
    assert len(values) == 1, (name, headers)
    return values[0]


def request_bytes(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in headers.items()), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def put_via_sdk_shape(emu: RunningEmulator, key: str, data: bytes) -> None:
    resp = raw_request(emu, "PUT", key, body=data)
    assert resp.status == 200, resp.body


def test_absolute_form_target(emu: RunningEmulator) -> None:
    key = unique("wire") + "/absolute.txt"
    host = vhost(emu.bucket)
    put_auth = sign(emu, "PUT", "/" + key, (), {"host": host, "content-length": "8"})
    status, _, _ = exchange(
        emu,
        request_bytes(
            "PUT", f"http://{host}/{key}", {"Host": host, "Content-Length": "8", "Authorization": put_auth}, b"absolute"
        ),
    )
    assert status == 200
    get_auth = sign(emu, "GET", "/" + key, (), {"host": host})
    status, _headers, body = exchange(
        emu, request_bytes("GET", f"http://{host}/{key}", {"Host": host, "Authorization": get_auth})
    )
    assert (status, body) == (200, b"absolute")
    # A query on an absolute-form target (coscmd list through HTTP_PROXY).
    params = {"prefix": key}
    list_auth = sign(emu, "GET", "/", params, {"host": host})
    status, _, body = exchange(
        emu, request_bytes("GET", f"http://{host}/?prefix={key}", {"Host": host, "Authorization": list_auth})
    )
    assert status == 200
    assert [e.text for e in ET.fromstring(body).iter("Key")] == [key]


def test_chunked_put(emu: RunningEmulator) -> None:
    key = unique("wire") + "/chunked.bin"
    host = vhost(emu.bucket)
    pieces = [b"first chunk ", b"x" * 70000, b" last"]
    data = b"".join(pieces)
    # Python signs Transfer-Encoding when it streams a body of unknown length (docs/wire-compat.md §2).
    auth = sign(emu, "PUT", "/" + key, (), {"host": host, "transfer-encoding": "chunked"})
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    headers = {"Host": host, "Transfer-Encoding": "chunked", "Authorization": auth}
    status, resp_headers, _ = exchange(emu, request_bytes("PUT", "/" + key, headers, body))
    assert status == 200
    assert header(resp_headers, "ETag") == f'"{md5_hex(data)}"'
    assert header(resp_headers, "x-cos-hash-crc64ecma") == crc64(data)
    got = raw_request(emu, "GET", key)
    assert (got.status, got.body) == (200, data)


def test_connection_close_is_honoured_and_keep_alive_works(emu: RunningEmulator) -> None:
    key = unique("wire") + "/conn.txt"
    put_via_sdk_shape(emu, key, b"conn")
    host = vhost(emu.bucket)
    started = time.monotonic()
    status, _headers, body = exchange(
        emu,
        request_bytes(
            "GET", "/" + key, {"Host": host, "Authorization": sign(emu, "GET", "/" + key, (), {"host": host})}
        ),
    )
    assert (status, body) == (200, b"conn")
    assert time.monotonic() - started < 5  # closed by the server, not by our timeout
    # Without Connection: close, one connection serves several requests.
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        for _ in range(3):
            conn.request(
                "GET",
                "/" + key,
                headers={"Host": host, "Authorization": sign(emu, "GET", "/" + key, (), {"host": host})},
            )
            resp = conn.getresponse()
            assert (resp.status, resp.read()) == (200, b"conn")
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_exact_header_spelling_and_date(emu: RunningEmulator, method: str) -> None:
    key = unique("wire") + "/headers.txt"
    data = b"header spelling"
    put_via_sdk_shape(emu, key, data)
    host = vhost(emu.bucket)
    status, headers, body = exchange(
        emu,
        request_bytes(
            method, "/" + key, {"Host": host, "Authorization": sign(emu, method, "/" + key, (), {"host": host})}
        ),
    )
    assert status == 200
    names = [name for name, _ in headers]
    for name in [*EXACT_NAMES, "Server", "Date"]:
        assert names.count(name) == 1, (name, names)
    assert header(headers, "Server") == "tencent-cos"
    assert header(headers, "Content-Length") == str(len(data))  # HEAD too: the object's size
    assert header(headers, "ETag") == f'"{md5_hex(data)}"'
    assert header(headers, "x-cos-hash-crc64ecma") == crc64(data)
    assert body == (data if method == "GET" else b"")
    assert abs(parsedate_to_datetime(header(headers, "Date")).timestamp() - time.time()) < 5
    parsedate_to_datetime(header(headers, "Last-Modified"))


def test_error_header_spelling(emu: RunningEmulator) -> None:
    resp = raw_request(emu, "GET", unique("wire") + "/missing")
    assert resp.status == 404
    for name in ("Content-Type", "Content-Length", "x-cos-request-id", "Server", "Date"):
        assert name in resp.names, resp.names


def test_tencentcos_cn_host(emu: RunningEmulator) -> None:
    key = unique("wire") + "/tencentcos.txt"
    host = f"{emu.bucket}.cos.{emu.region}.tencentcos.cn"
    assert raw_request(emu, "PUT", key, host=host, body=b"new domain").status == 200
    got = raw_request(emu, "GET", key)  # the same bucket under its myqcloud.com name
    assert (got.status, got.body) == (200, b"new domain")
    assert raw_request(emu, "GET", key, host=host).body == b"new domain"


@pytest.mark.parametrize("signed_path", ["key", "full"])
def test_path_style(emu: RunningEmulator, signed_path: str) -> None:
    key = unique("wire") + "/path style.txt"
    host = f"127.0.0.1:{emu.port}"
    full = f"/{emu.bucket}/{key}"
    sign_path = "/" + key if signed_path == "key" else full
    resp = raw_request(
        emu, "PUT", key, host=host, raw_path=f"/{emu.bucket}/{key.replace(' ', '%20')}", sign_path=sign_path, body=b"ps"
    )
    assert resp.status == 200, resp.body
    got = raw_request(emu, "GET", key)
    assert (got.status, got.body) == (200, b"ps")


def test_bucket_name_length_limit(emu: RunningEmulator) -> None:
    suffix = f"-{emu.settings.appid}"
    longest = "b" * (60 - len(suffix)) + suffix
    assert len(longest) == 60
    created = raw_request(emu, "PUT", "", bucket=longest, body=b"")
    assert created.status == 200, created.body
    assert raw_request(emu, "PUT", "k.txt", bucket=longest, body=b"in the longest bucket").status == 200
    got = raw_request(emu, "GET", "k.txt", bucket=longest)
    assert (got.status, got.body) == (200, b"in the longest bucket")
    too_long = "b" + longest
    resp = raw_request(emu, "PUT", "", bucket=too_long, body=b"")
    assert resp.status == 400
    assert ET.fromstring(resp.body).findtext("Code") == "InvalidBucketName"


def test_go_style_encoded_slash(emu: RunningEmulator) -> None:
    base = unique("wire")
    key = f"{base}/go/put.txt"
    # Go sends `/` inside keys as %2F and signs the decoded path.
    resp = raw_request(emu, "PUT", key, raw_path="/" + key.replace("/", "%2F"), body=b"go")
    assert resp.status == 200, resp.body
    got = raw_request(emu, "GET", key)
    assert (got.status, got.body) == (200, b"go")
    listed = raw_request(emu, "GET", "", params={"prefix": base + "/"})
    assert [e.text for e in ET.fromstring(listed.body).iter("Key")] == [key]


def test_query_plus_is_space(emu: RunningEmulator) -> None:
    base = unique("wire")
    key = f"{base}/a dir/x.txt"
    put_via_sdk_shape(emu, key, b"plus")
    prefix = f"{base}/a dir/"
    host = vhost(emu.bucket)
    auth = sign(emu, "GET", "/", {"prefix": prefix}, {"host": host})
    target = "/?prefix=" + prefix.replace(" ", "+").replace("/", "%2F")
    status, _, body = exchange(emu, request_bytes("GET", target, {"Host": host, "Authorization": auth}))
    assert status == 200, body
    assert [e.text for e in ET.fromstring(body).iter("Key")] == [key]
