"""CORS through the official Python SDK (`?cors` round trip) and as a browser speaks it: raw OPTIONS
preflights answered from the rules, Access-Control-* headers on matching requests, and a page PUTting
an upload straight to a presigned URL (preflight, then the PUT with its Origin)."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from conftest import RawResponse, assert_cos_error, assert_error, raw_request, unique, vhost
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk

APP = "https://app.example.com"
RULES = {
    "CORSRule": [
        {
            "ID": "uploads",
            "AllowedOrigin": [APP, "http://*.example.org"],
            "AllowedMethod": ["PUT", "GET", "HEAD"],
            "AllowedHeader": ["content-type", "x-cos-meta-*"],
            "ExposeHeader": ["ETag", "x-cos-request-id"],
            "MaxAgeSeconds": 600,
        },
        {"ID": "anyone-reads", "AllowedOrigin": ["*"], "AllowedMethod": ["GET"]},
    ]
}


@pytest.fixture
def bucket(emu: RunningEmulator, client: CosS3Client) -> str:
    name = f"{unique('cors')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name)
    return name


def preflight(emu: RunningEmulator, bucket: str, key: str, origin: str, method: str, headers: str = "") -> RawResponse:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return raw_request(emu, "OPTIONS", key, bucket=bucket, headers=sent, signed=False)


def test_round_trip_and_delete(client: CosS3Client, bucket: str) -> None:
    assert_cos_error(_raises(lambda: client.get_bucket_cors(Bucket=bucket)), 404, "NoSuchCORSConfiguration")
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    got = client.get_bucket_cors(Bucket=bucket)
    first, second = got["CORSRule"]
    assert first["ID"] == "uploads"
    assert first["AllowedOrigin"] == [APP, "http://*.example.org"]
    assert first["AllowedMethod"] == ["PUT", "GET", "HEAD"]
    assert first["AllowedHeader"] == ["content-type", "x-cos-meta-*"]
    assert first["ExposeHeader"] == ["ETag", "x-cos-request-id"]
    assert first["MaxAgeSeconds"] == "600"
    assert second["AllowedOrigin"] == ["*"] and second["AllowedMethod"] == ["GET"]
    client.delete_bucket_cors(Bucket=bucket)
    assert_cos_error(_raises(lambda: client.get_bucket_cors(Bucket=bucket)), 404, "NoSuchCORSConfiguration")


def _raises(call: Callable[[], object]) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


def test_preflight_is_answered_from_the_rules(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    assert_error(preflight(emu, bucket, "up.bin", APP, "PUT"), 403, "AccessForbidden")  # no rules yet
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    ok = preflight(emu, bucket, "up.bin", APP, "PUT", "Content-Type, x-cos-meta-owner")
    assert ok.status == 200, ok.body
    assert ok.header("Access-Control-Allow-Origin") == APP
    assert ok.header("Access-Control-Allow-Methods") == "PUT, GET, HEAD"
    assert ok.header("Access-Control-Allow-Headers") == "Content-Type, x-cos-meta-owner"
    assert ok.header("Access-Control-Expose-Headers") == "ETag, x-cos-request-id"
    assert ok.header("Access-Control-Max-Age") == "600"
    wildcard = preflight(emu, bucket, "up.bin", "http://cdn.example.org", "GET")
    assert (wildcard.status, wildcard.header("Access-Control-Allow-Origin")) == (200, "http://cdn.example.org")
    anyone = preflight(emu, bucket, "up.bin", "https://elsewhere.test", "GET")
    assert (anyone.status, anyone.header("Access-Control-Allow-Origin")) == (200, "*")
    # No rule allows DELETE, an unknown origin's PUT, or a header outside AllowedHeader.
    assert_error(preflight(emu, bucket, "up.bin", APP, "DELETE"), 403, "AccessForbidden")
    assert_error(preflight(emu, bucket, "up.bin", "https://evil.test", "PUT"), 403, "AccessForbidden")
    assert_error(preflight(emu, bucket, "up.bin", APP, "PUT", "x-custom"), 403, "AccessForbidden")
    bare = raw_request(emu, "OPTIONS", "up.bin", bucket=bucket, signed=False)
    assert_error(bare, 400, "BadRequest")


def test_matching_requests_carry_the_headers(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    client.put_object(Bucket=bucket, Key="doc.txt", Body=b"doc")
    got = raw_request(emu, "GET", "doc.txt", bucket=bucket, headers={"Origin": APP})
    assert got.status == 200
    assert got.header("Access-Control-Allow-Origin") == APP
    assert got.header("Access-Control-Expose-Headers") == "ETag, x-cos-request-id"
    missing = raw_request(emu, "GET", "none.txt", bucket=bucket, headers={"Origin": APP})
    assert missing.status == 404 and missing.header("Access-Control-Allow-Origin") == APP
    other = raw_request(emu, "DELETE", "doc.txt", bucket=bucket, headers={"Origin": "https://evil.test"})
    assert other.status == 204 and other.header("Access-Control-Allow-Origin") is None
    plain = raw_request(emu, "GET", "doc.txt", bucket=bucket)
    assert plain.header("Access-Control-Allow-Origin") is None
    # A refusal before any handler ran (an unsigned GET of a private object) is readable by the page too.
    refused = raw_request(emu, "GET", "doc.txt", bucket=bucket, headers={"Origin": APP}, signed=False)
    assert_error(refused, 403, "AccessDenied")
    assert refused.header("Access-Control-Allow-Origin") == APP


def _page_upload(emu: RunningEmulator, url: str, host: str, body: bytes) -> tuple[RawResponse, RawResponse]:
    """What the browser does with a presigned PUT URL: the unsigned preflight, then the PUT itself, both
    to the URL as it is (path and presigned query) with the page's Origin, under `host`."""
    target = urlsplit(url)
    path = target.path + "?" + target.query
    answers: list[RawResponse] = []
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=30)
    try:
        for method, headers, sent in (
            ("OPTIONS", {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"},
             None),
            ("PUT", {"Content-Type": "image/jpeg"}, body),
        ):  # fmt: skip
            conn.request(method, path, body=sent, headers={"Host": host, "Origin": APP, **headers})
            resp = conn.getresponse()
            answers.append(RawResponse(resp.status, resp.reason, list(resp.getheaders()), resp.read()))
    finally:
        conn.close()
    return answers[0], answers[1]


def _assert_page_upload_served(pre: RawResponse, put: RawResponse) -> None:
    assert pre.status == 200, pre.body
    assert pre.header("Access-Control-Allow-Origin") == APP
    assert pre.header("Access-Control-Max-Age") == "600"  # the bucket's rule, not some other bucket's
    assert put.status == 200, put.body
    assert put.header("Access-Control-Allow-Origin") == APP
    assert put.header("Access-Control-Expose-Headers") == "ETag, x-cos-request-id"
    assert put.header("ETag")


def _stored(client: CosS3Client, bucket: str, key: str) -> tuple[bytes, str]:
    got = client.get_object(Bucket=bucket, Key=key)
    return got["Body"].get_raw_stream().read(), got["Content-Type"]


def test_a_page_puts_through_a_presigned_url(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    host = vhost(bucket)
    url = client.get_presigned_url(Bucket=bucket, Key="upload/photo.jpg", Method="PUT", Headers={"Host": host})
    _assert_page_upload_served(*_page_upload(emu, url, host, b"\xff\xd8jpeg"))
    assert _stored(client, bucket, "upload/photo.jpg") == (b"\xff\xd8jpeg", "image/jpeg")


def test_a_page_puts_to_another_bucket_from_the_bare_host(
    emu: RunningEmulator, client: CosS3Client, bucket: str
) -> None:
    """The README recipe as a page uses it: presigned for the bucket's host, fetched as is from 127.0.0.1.
    The preflight (unsigned, but carrying the presigned query) must be answered from that bucket's rules,
    and the PUT's Access-Control-* headers must be that bucket's, not the default bucket's (which has none)."""
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    key = f"{unique('up')}.jpg"
    url = client.get_presigned_url(Bucket=bucket, Key=key, Method="PUT", Headers={"Host": vhost(bucket)})
    assert urlsplit(url).hostname == "127.0.0.1"
    _assert_page_upload_served(*_page_upload(emu, url, f"127.0.0.1:{emu.port}", b"\xff\xd8bare"))
    assert _stored(client, bucket, key) == (b"\xff\xd8bare", "image/jpeg")


def test_a_bare_host_preflight_only_moves_to_a_bucket_the_signature_names(
    emu: RunningEmulator, client: CosS3Client, bucket: str
) -> None:
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    bare = f"127.0.0.1:{emu.port}"
    # Signed for a GET, preflighted for a PUT: the signature names no bucket for this method.
    get_url = client.get_presigned_url(Bucket=bucket, Key="x.jpg", Method="GET", Headers={"Host": vhost(bucket)})
    # Signed for a host no bucket has.
    nowhere = client.get_presigned_url(
        Bucket=bucket, Key="x.jpg", Method="PUT", Headers={"Host": vhost(f"gone-{emu.settings.appid}")}
    )
    for url in (get_url, nowhere):
        pre, _put = _page_upload(emu, url, bare, b"x")
        # Left with the default bucket, which has no CORS rules.
        assert_error(pre, 403, "AccessForbidden")
        assert pre.header("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<CORSConfiguration/>", "MalformedXML"),
        (b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
         "MalformedXML"),
        (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"
         b"</CORSRule></CORSConfiguration>", "InvalidRequest"),
        (b"<CORSConfiguration><CORSRule>", "MalformedXML"),
        (b"<Cors/>", "MalformedXML"),
    ],
)  # fmt: skip
def test_bad_configurations_are_refused(emu: RunningEmulator, bucket: str, body: bytes, code: str) -> None:
    assert_error(raw_request(emu, "PUT", "", params={"cors": ""}, bucket=bucket, body=body), 400, code)
    assert_error(raw_request(emu, "GET", "", params={"cors": ""}, bucket=bucket), 404, "NoSuchCORSConfiguration")
