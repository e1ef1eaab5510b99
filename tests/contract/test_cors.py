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


def test_a_page_puts_through_a_presigned_url(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    host = vhost(bucket)
    url = client.get_presigned_url(Bucket=bucket, Key="upload/photo.jpg", Method="PUT", Headers={"Host": host})
    target = urlsplit(url)
    path = target.path + "?" + target.query
    # What the browser does: the preflight, then the PUT itself, both with the page's Origin.
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=30)
    try:
        conn.request("OPTIONS", path, headers={
            "Host": host, "Origin": APP, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        })  # fmt: skip
        pre = conn.getresponse()
        pre.read()
        assert pre.status == 200 and pre.getheader("Access-Control-Allow-Origin") == APP
        conn.request(
            "PUT", path, body=b"\xff\xd8jpeg", headers={"Host": host, "Origin": APP, "Content-Type": "image/jpeg"}
        )
        put = conn.getresponse()
        put.read()
        assert put.status == 200, put.status
        assert put.getheader("Access-Control-Allow-Origin") == APP
        assert put.getheader("Access-Control-Expose-Headers") == "ETag, x-cos-request-id"
        assert put.getheader("ETag")
    finally:
        conn.close()
    stored = client.get_object(Bucket=bucket, Key="upload/photo.jpg")
    assert stored["Body"].get_raw_stream().read() == b"\xff\xd8jpeg"
    assert stored["Content-Type"] == "image/jpeg"


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
