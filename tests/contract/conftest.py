"""Shared fixtures for the contract suite: a real emulator on a loopback port, the official SDKs aimed at
it, and a small raw-HTTP client that signs with the reference signer.

Everything here asserts with literals; nothing is imported from `cos_ocr_emulator.errors`, so the suite checks the
error catalogue instead of echoing it.
"""

from __future__ import annotations

import hashlib
import http.client
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import crcmod
import pytest
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.auth.signing import build_authorization
from cos_ocr_emulator.testing import RunningEmulator, running_emulator

APPID = "1250000000"
REGION = "ap-guangzhou"

crc64_xz = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def crc64(data: bytes) -> str:
    """x-cos-hash-crc64ecma as COS sends it: CRC-64/XZ as an unsigned decimal string."""
    return str(crc64_xz(data))


def unique(prefix: str = "k") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def vhost(bucket: str, region: str = REGION) -> str:
    return f"{bucket}.cos.{region}.myqcloud.com"


# --- emulators ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def emu() -> Iterator[RunningEmulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    """A key nobody else uses: the test's name plus a random suffix."""
    name = request.node.originalname.removeprefix("test_")
    return f"{name}/{uuid.uuid4().hex[:10]}.bin"


# --- the Python SDK ------------------------------------------------------------------------------


def ip_config(emu: RunningEmulator, **overrides: Any) -> CosConfig:
    return emu.cos_config(**overrides)


def domain_config(emu: RunningEmulator, **overrides: Any) -> CosConfig:
    options: dict[str, Any] = dict(
        Region=emu.region, SecretId=emu.secret_id, SecretKey=emu.secret_key, Scheme="http",
        Domain=f"127.0.0.1:{emu.port}", Timeout=60,
    )  # fmt: skip
    options.update(overrides)
    return CosConfig(**options)


CONFIGS = {"ip": ip_config, "domain": domain_config}


@pytest.fixture(params=sorted(CONFIGS))
def mode(request: pytest.FixtureRequest) -> str:
    """'ip' = CosConfig(IP=, Port=), 'domain' = CosConfig(Domain='127.0.0.1:PORT')."""
    return str(request.param)


@pytest.fixture
def cos(emu: RunningEmulator, mode: str) -> CosS3Client:
    """The Python SDK in either endpoint mode, retries off (Azurite's maxTries 1)."""
    return CosS3Client(CONFIGS[mode](emu), retry=0)


@pytest.fixture
def client(emu: RunningEmulator) -> CosS3Client:
    """The Python SDK in IP mode only, for tests where the endpoint form does not matter."""
    return CosS3Client(ip_config(emu), retry=0)


def assert_cos_error(
    exc: BaseException, status: int, code: str, message: str | None = None, *, head: bool = False
) -> CosServiceError:
    """The SDK parsed a real COS error: status, code and message exact, request id present."""
    assert isinstance(exc, CosServiceError), repr(exc)
    assert exc.get_status_code() == status, exc.get_digest_msg()
    assert exc.get_error_code() == code, exc.get_digest_msg()
    if message is not None:
        assert exc.get_error_msg() == message, exc.get_digest_msg()
    if not head:  # HEAD errors carry no body; the SDK synthesises the fields
        assert exc.get_resource_location() not in ("", "Unknown")
        assert exc.get_trace_id() not in ("", "Unknown")
    assert exc.get_request_id() not in ("", "Unknown")
    return exc


# --- a raw client with the reference signer ------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]  # names exactly as sent
    body: bytes

    def header(self, name: str) -> str | None:
        for have, value in self.headers:
            if have.lower() == name.lower():
                return value
        return None

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.headers}


def encode_query(params: Mapping[str, str] | list[tuple[str, str]]) -> str:
    items = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{quote(n, safe='-_.~')}={quote(v, safe='-_.~')}" for n, v in items)


def sign(
    emu: RunningEmulator,
    method: str,
    path: str,
    params: Mapping[str, str] | list[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    *,
    secret_id: str | None = None,
    secret_key: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> str:
    """An Authorization value over `path` (decoded), every given param and every given header."""
    now = int(time.time())
    start = now - 60 if start is None else start
    end = now + 600 if end is None else end
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    signed = [(name.lower(), value) for name, value in (headers or {}).items()]
    return build_authorization(
        secret_id or emu.secret_id, secret_key or emu.secret_key, method, path, pairs, signed, start, end
    )


def raw_request(
    emu: RunningEmulator,
    method: str,
    key: str = "",
    *,
    params: Mapping[str, str] | list[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    bucket: str | None = None,
    host: str | None = None,
    raw_path: str | None = None,
    sign_path: str | None = None,
    signed: bool = True,
) -> RawResponse:
    """One request over http.client, the path sent verbatim (no dot-segment cleaning), signed over `host`
    and every header given. `key` is quoted like the Python SDK does unless `raw_path` is given."""
    host = host or vhost(bucket or emu.bucket)
    all_headers = {"Host": host, **(headers or {})}
    path = raw_path if raw_path is not None else "/" + quote(key, safe="/-_.~")
    query = encode_query(params)
    if signed:
        all_headers["Authorization"] = sign(
            emu, method, sign_path if sign_path is not None else "/" + key, params, {"host": host, **(headers or {})}
        )
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=30)
    try:
        conn.putrequest(method, path + ("?" + query if query else ""), skip_host=True, skip_accept_encoding=True)
        for name, value in all_headers.items():
            conn.putheader(name, value)
        if body is not None and not any(n.lower() == "content-length" for n in all_headers):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, resp.reason, list(resp.getheaders()), data)
    finally:
        conn.close()


def error_fields(resp: RawResponse) -> dict[str, str]:
    """Parse a COS `<Error>` body and check the fields every SDK needs are there and consistent."""
    root = ET.fromstring(resp.body)
    assert root.tag == "Error", resp.body
    fields = {child.tag: child.text or "" for child in root}
    for name in ("Code", "Message", "Resource", "RequestId", "TraceId"):
        assert fields.get(name), f"<{name}> empty in {resp.body!r}"
    assert resp.header("x-cos-request-id") == fields["RequestId"]
    assert resp.header("Content-Type") == "application/xml"
    return fields


def assert_error(resp: RawResponse, status: int, code: str, message: str | None = None) -> dict[str, str]:
    assert resp.status == status, (resp.status, resp.body)
    fields = error_fields(resp)
    assert fields["Code"] == code, fields
    if message is not None:
        assert fields["Message"] == message, fields
    return fields
