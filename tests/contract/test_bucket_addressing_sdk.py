"""Which bucket a request reaches, through the real Python SDK: a request that names a bucket gets that
bucket or NoSuchBucket (never the default bucket), a wrong region in the Host is the error COS gives, and a
presigned URL signed for another bucket's host is served from that bucket when fetched from 127.0.0.1."""

from __future__ import annotations

import http.client
import logging
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator
from tests.contract.conftest import APPID, assert_cos_error, ip_config, raw_request


def _default_bucket_keys(emu: RunningEmulator) -> set[str]:
    return {obj.key for obj in emu.state.store.list_objects(emu.bucket).contents}


def test_bucket_without_appid_is_no_such_bucket_not_the_default_bucket(
    emu: RunningEmulator, client: CosS3Client
) -> None:
    key = f"forgot-appid/{uuid.uuid4().hex}.txt"
    with pytest.raises(CosServiceError) as info:
        client.put_object(Bucket="receipts", Key=key, Body=b"x")
    assert_cos_error(info.value, 404, "NoSuchBucket")
    assert key not in _default_bucket_keys(emu)


def test_host_naming_an_unknown_bucket_is_no_such_bucket(emu: RunningEmulator) -> None:
    key = f"unknown-host/{uuid.uuid4().hex}.txt"
    resp = raw_request(emu, "PUT", key, body=b"x", host="receipts.cos.ap-guangzhou.myqcloud.com")
    assert resp.status == 404 and b"<Code>NoSuchBucket</Code>" in resp.body
    assert key not in _default_bucket_keys(emu)


def test_region_in_host_other_than_the_buckets_is_no_such_bucket(emu: RunningEmulator) -> None:
    client = CosS3Client(ip_config(emu, Region="ap-beijing"), retry=0)
    with pytest.raises(CosServiceError) as info:
        client.get_object(Bucket=emu.bucket, Key="anything.txt")
    assert_cos_error(info.value, 404, "NoSuchBucket")
    assert "ap-guangzhou" in info.value.get_error_msg()
    with pytest.raises(CosServiceError) as put_info:
        client.put_object(Bucket=emu.bucket, Key="wrong-region.txt", Body=b"x")
    assert_cos_error(put_info.value, 404, "NoSuchBucket")
    assert "wrong-region.txt" not in _default_bucket_keys(emu)


def test_a_bucket_created_in_a_region_answers_there(emu: RunningEmulator) -> None:
    bucket = f"beijing-{uuid.uuid4().hex[:8]}-{APPID}"
    beijing = CosS3Client(ip_config(emu, Region="ap-beijing"), retry=0)
    beijing.create_bucket(Bucket=bucket)
    beijing.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert beijing.head_bucket(Bucket=bucket)["x-cos-bucket-region"] == "ap-beijing"
    guangzhou = CosS3Client(ip_config(emu), retry=0)
    with pytest.raises(CosServiceError) as info:
        guangzhou.get_object(Bucket=bucket, Key="k")
    assert_cos_error(info.value, 404, "NoSuchBucket")


def test_default_bucket_still_serves_requests_that_name_no_bucket(emu: RunningEmulator) -> None:
    # Domain mode: Host is the bare emulator address and the path is the key.
    resp = raw_request(emu, "PUT", "domain-mode.txt", body=b"x", host=f"127.0.0.1:{emu.port}")
    assert resp.status == 200, resp.body
    assert "domain-mode.txt" in _default_bucket_keys(emu)


def _fetch(url: str, port: int) -> httpx.Response:
    """Fetch a presigned URL exactly as given, but from the emulator's port (the URL may name a bucket host)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", parts.path + "?" + parts.query, headers={"Host": f"127.0.0.1:{port}"})
        resp = conn.getresponse()
        return httpx.Response(resp.status, content=resp.read())
    finally:
        conn.close()


def test_presigned_url_for_another_bucket_via_signed_host(emu: RunningEmulator, client: CosS3Client) -> None:
    bucket = f"presign-{uuid.uuid4().hex[:8]}-{APPID}"
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="doc/report.txt", Body=b"other bucket")
    client.put_object(Bucket=emu.bucket, Key="doc/report.txt", Body=b"default bucket")
    host = f"{bucket}.cos.{emu.region}.myqcloud.com"
    url = client.get_presigned_url(Bucket=bucket, Key="doc/report.txt", Method="GET", Headers={"Host": host})
    assert urlsplit(url).hostname == "127.0.0.1"  # IP mode: the URL carries no bucket
    resp = httpx.get(url)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"other bucket"
    # the plain IP-mode URL (signed for host=127.0.0.1) still means the default bucket
    plain = client.get_presigned_url(Bucket=bucket, Key="doc/report.txt", Method="GET")
    assert httpx.get(plain).content == b"default bucket"


def test_presigned_url_signed_for_no_existing_bucket_is_still_a_mismatch(
    emu: RunningEmulator, client: CosS3Client
) -> None:
    url = client.get_presigned_url(
        Bucket=emu.bucket, Key="x.txt", Method="GET", Headers={"Host": f"gone-1.cos.{emu.region}.myqcloud.com"}
    )
    resp = _fetch(url, emu.port)
    assert resp.status_code == 403 and b"SignatureDoesNotMatch" in resp.content


def test_warn_mode_still_serves_a_presigned_url_from_the_bucket_it_names(caplog: pytest.LogCaptureFixture) -> None:
    """auth_mode=warn accepts a signature mismatch, but a URL presigned for another bucket's host verifies
    against that host: it must be served from that bucket (preflight included), not accepted as a mismatch
    on the default bucket."""
    with running_emulator(auth_mode="warn") as emu:
        client = emu.client()
        bucket = f"warn-{uuid.uuid4().hex[:8]}-{APPID}"
        client.create_bucket(Bucket=bucket)
        client.put_bucket_cors(
            Bucket=bucket, CORSConfiguration={"CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}]}
        )
        client.put_object(Bucket=bucket, Key="doc.txt", Body=b"other bucket")
        client.put_object(Bucket=emu.bucket, Key="doc.txt", Body=b"default bucket")
        host = f"{bucket}.cos.{emu.region}.myqcloud.com"
        url = client.get_presigned_url(Bucket=bucket, Key="doc.txt", Method="GET", Headers={"Host": host})
        with caplog.at_level(logging.WARNING, logger="cos_ocr_emulator.auth"):
            resp = _fetch(url, emu.port)
        assert (resp.status_code, resp.content) == (200, b"other bucket")
        assert not [r for r in caplog.records if "mismatch" in r.getMessage()]  # it verified: nothing to warn
        parts = urlsplit(url)
        preflight = raw_request(
            emu, "OPTIONS", raw_path=parts.path + "?" + parts.query, host=f"127.0.0.1:{emu.port}", signed=False,
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
        )  # fmt: skip
        assert preflight.status == 200, preflight.body
        assert preflight.header("Access-Control-Allow-Origin") == "*"
        # A signature that verifies nowhere is still accepted with a warning, on the bucket the request names.
        wrong = client.get_presigned_url(
            Bucket=bucket, Key="doc.txt", Method="GET", Headers={"Host": f"gone-1.cos.{emu.region}.myqcloud.com"}
        )
        with caplog.at_level(logging.WARNING, logger="cos_ocr_emulator.auth"):
            assert _fetch(wrong, emu.port).content == b"default bucket"
        assert len([r for r in caplog.records if "mismatch" in r.getMessage()]) == 1
