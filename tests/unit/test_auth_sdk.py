"""Cross-check with the real Python SDK (cos-python-sdk-v5): what it signs, authenticate() accepts.

No network: the client's requests.Session gets an adapter that records each PreparedRequest and answers
200, so the Authorization header, URL and Host are exactly what the SDK would put on the wire.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from signing_vectors import DATA, SID, SK, VEC

from cos_ocr_emulator.auth.verify import SignedRequest, authenticate
from cos_ocr_emulator.config import KeyPair, Settings
from cos_ocr_emulator.errors import CosError

NOW: int = DATA["frozen_time"]
BUCKET = "examplebucket-1250000000"
TOKEN = "TOKEN123"
SETTINGS = Settings(keys=(KeyPair(SID, SK), KeyPair("AKIDTEMP", "tempsecret", token=TOKEN)))


class Capture(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        body = b"<Response></Response>"
        resp = requests.Response()
        resp.status_code = 200
        resp.headers = CaseInsensitiveDict(
            {"Content-Type": "application/xml", "Content-Length": str(len(body)), "x-cos-request-id": "r"}
        )
        resp._content = body
        resp.request = request
        resp.url = request.url or ""
        return resp

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: float(NOW))


@pytest.fixture
def capture() -> Iterator[Capture]:
    yield Capture()


def client(capture: Capture, **conf: Any) -> CosS3Client:
    session = requests.Session()
    session.mount("http://", capture)
    session.mount("https://", capture)
    options: dict[str, Any] = {"Region": "ap-guangzhou", "SecretId": SID, "SecretKey": SK, "Scheme": "http"}
    options.update(conf)
    if "Domain" not in options:
        options.setdefault("IP", "127.0.0.1")
        options.setdefault("Port", 8080)
    return CosS3Client(CosConfig(**options), retry=0, session=session)


def received(prepared: requests.PreparedRequest | str, method: str = "GET") -> SignedRequest:
    """What the emulator would see: path decoded once (%2F too), '+' in the query as a space, lower-case
    header names, and Host as sent (requests adds it from the URL when the SDK did not set one)."""
    if isinstance(prepared, str):
        url, headers = prepared, {}
    else:
        url, method = prepared.url or "", prepared.method or method
        # format_values() hands requests bytes; on the wire they are the same octets.
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    parts = urlsplit(url)
    host = headers.setdefault("host", parts.netloc)
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return SignedRequest(method, (unquote(parts.path),), query, headers, host)


def run(capture: Capture, call: Callable[[], object]) -> SignedRequest:
    call()
    assert len(capture.sent) == 1
    return received(capture.sent[0])


def test_cos_s3_auth_reproduces_v1_exactly() -> None:
    conf = CosConfig(Region="ap-guangzhou", SecretId=SID, SecretKey=SK)
    r = requests.Request(
        "GET",
        "http://127.0.0.1:8080/doc/receipt.jpg",
        params={"ci-process": "OCR"},
        headers={"Host": DATA["host"]},
    ).prepare()
    CosS3Auth(conf, "doc/receipt.jpg", params={"ci-process": "OCR"})(r)
    assert r.headers["Authorization"] == VEC["V1"]["expect"]["authorization"]
    assert authenticate(received(r), SETTINGS, NOW).string_to_sign == VEC["V1"]["expect"]["string_to_sign"]


def test_sdk_v2_chinese_key_with_spaces(capture: Capture) -> None:
    c = client(capture)
    kwargs = {"Type": "general", "LanguageType": "auto", "Ispdf": True, "PdfPagenumber": 2, "Isword": True}
    r = run(
        capture,
        lambda: c.ci_ocr_process(Bucket=BUCKET, Key="发票 2024/scan 01.png", EnableWordPolygon=False, **kwargs),
    )
    assert r.headers["authorization"] == VEC["V2"]["expect"]["authorization"]
    out = authenticate(r, SETTINGS, NOW)
    assert (out.verdict, out.http_string) == ("signed", VEC["V2"]["expect"]["http_string"])


def test_sdk_plus_in_key_and_spaces_in_query(capture: Capture) -> None:
    c = client(capture)
    r = run(capture, lambda: c.put_object(Bucket=BUCKET, Key="a+b c/d.txt", Body=b"hello"))
    assert r.paths == ("/a+b c/d.txt",)
    assert authenticate(r, SETTINGS, NOW).verdict == "signed"
    capture.sent.clear()
    r = run(capture, lambda: c.list_objects(Bucket=BUCKET, Prefix="a dir/", Delimiter="/"))
    assert ("prefix", "a dir/") in r.query
    assert authenticate(r, SETTINGS, NOW).verdict == "signed"


def test_sdk_domain_mode_signs_the_host_without_port(capture: Capture) -> None:
    c = client(capture, Domain="127.0.0.1:8080")
    r = run(capture, lambda: c.ci_process(Bucket=BUCKET, Key="doc/receipt.jpg", CiProcess="OCR"))
    assert r.host == "127.0.0.1:8080"
    assert authenticate(r, SETTINGS, NOW).verdict == "signed"


def test_sdk_token_is_signed(capture: Capture) -> None:
    c = client(capture, SecretId="AKIDTEMP", SecretKey="tempsecret", Token=TOKEN)
    r = run(capture, lambda: c.ci_process(Bucket=BUCKET, Key="doc/receipt.jpg", CiProcess="OCR"))
    assert "x-cos-security-token" in r.headers["authorization"]
    assert authenticate(r, SETTINGS, NOW).verdict == "signed"
    wrong = dataclasses.replace(r, headers={**r.headers, "x-cos-security-token": "TOKEN999"})
    with pytest.raises(CosError) as info:
        authenticate(wrong, SETTINGS, NOW)
    assert info.value.code == "InvalidAccessKeyId"


def test_sdk_presigned_url_matches_v1_and_verifies(capture: Capture) -> None:
    c = client(capture, Scheme="https", IP=None, Port=None)
    url = c.get_presigned_download_url(Bucket=BUCKET, Key="doc/receipt.jpg", Params={"ci-process": "OCR"})
    assert url == VEC["V1-presigned"]["url"]
    out = authenticate(received(url), SETTINGS, NOW)
    assert out.verdict == "presigned"
    with pytest.raises(CosError) as info:
        authenticate(received(url), SETTINGS, NOW + 301)
    assert info.value.message == "Request has expired"


def test_sdk_presigned_url_with_token_param(capture: Capture) -> None:
    c = client(capture, SecretId="AKIDTEMP", SecretKey="tempsecret", Token=TOKEN)
    params = {"x-cos-security-token": TOKEN, "response-content-type": "text/plain; charset=utf-8"}
    url = c.get_presigned_url(Bucket=BUCKET, Key="发票 2024/scan 01.png", Method="GET", Params=params)
    # In IP mode the presigned URL signs host=<IP> without the port (docs/wire-compat.md §1.1); Host arrives as IP:port.
    r = received(url)
    assert r.host == "127.0.0.1:8080"
    assert authenticate(r, SETTINGS, NOW).verdict == "presigned"
    with pytest.raises(CosError) as info:
        authenticate(dataclasses.replace(r, query=r.query[:-2]), SETTINGS, NOW)
    assert info.value.message == "The security token is missing"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: dataclasses.replace(r, query=tuple((n, v + "x") if n == "type" else (n, v) for n, v in r.query)),
        lambda r: dataclasses.replace(r, paths=("/发票 2024/scan 02.png",)),
    ],
    ids=["param", "key"],
)
def test_sdk_request_tampered(capture: Capture, tamper: Callable[[SignedRequest], SignedRequest]) -> None:
    c = client(capture)
    r = run(capture, lambda: c.ci_ocr_process(Bucket=BUCKET, Key="发票 2024/scan 01.png", Type="general"))
    assert authenticate(r, SETTINGS, NOW).verdict == "signed"
    with pytest.raises(CosError) as info:
        authenticate(tamper(r), SETTINGS, NOW)
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.extra["StringToSign"].startswith(f"sha1\n{NOW - 60};{NOW + 10000}\n")
    assert info.value.extra["FormatString"].startswith("get\n/")


def test_sdk_request_with_another_secret(capture: Capture) -> None:
    c = client(capture, SecretKey="some-other-secret")
    r = run(capture, lambda: c.ci_process(Bucket=BUCKET, Key="doc/receipt.jpg", CiProcess="OCR"))
    with pytest.raises(CosError) as info:
        authenticate(r, SETTINGS, NOW)
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.extra["StringToSign"] == VEC["V1"]["expect"]["string_to_sign"]


def test_sdk_anonymous_sends_an_empty_header(capture: Capture) -> None:
    c = client(capture, Anonymous=True)
    r = run(capture, lambda: c.head_object(Bucket=BUCKET, Key="doc/receipt.jpg"))
    assert r.headers["authorization"] == ""
    assert authenticate(r, SETTINGS, NOW, public_read=True, read_only=True).verdict == "anonymous"
    with pytest.raises(CosError):
        authenticate(r, SETTINGS, NOW, read_only=True)
