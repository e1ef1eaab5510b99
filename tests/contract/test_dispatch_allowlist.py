"""Dispatch is an allow-list: a COS sub-resource the emulator does not implement is 501 NotImplemented,
never a fall-through to the plain operation (which deleted buckets and overwrote objects)."""

from __future__ import annotations

import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator
from tests.contract.conftest import assert_cos_error, raw_request, unique

APPID = "1250000000"


def _empty_bucket(client: CosS3Client) -> str:
    bucket = f"{unique('allow')}-{APPID}"
    client.create_bucket(Bucket=bucket)
    return bucket


@pytest.mark.parametrize(
    "call",
    [
        lambda c, b: c.delete_bucket_response_control(Bucket=b),
        lambda c, b: c.delete_bucket_domain_certificate(Bucket=b, DomainName="www.example.com"),
        lambda c, b: c.delete_bucket_origin(Bucket=b),
    ],
    ids=["response-control", "domaincertificate", "origin"],
)
def test_configuration_delete_leaves_the_bucket(client: CosS3Client, call) -> None:
    """These once fell through to DELETE Bucket; now they are their own operations and touch only the
    configuration (204 whether or not one was set)."""
    bucket = _empty_bucket(client)
    call(client, bucket)
    client.head_bucket(Bucket=bucket)  # still there


def test_live_channel_switch_does_not_overwrite_the_object(emu: RunningEmulator, client: CosS3Client) -> None:
    client.put_object(Bucket=emu.bucket, Key="ch1", Body=b"keep me")
    with pytest.raises(CosServiceError) as info:
        client.put_live_channel_switch(Bucket=emu.bucket, ChannelName="ch1", Switch="enabled")
    assert_cos_error(info.value, 501, "NotImplemented")
    body = client.get_object(Bucket=emu.bucket, Key="ch1")["Body"].get_raw_stream().read()
    assert body == b"keep me"


def test_vod_playlist_is_not_implemented_rather_than_a_405_listing_post(
    client: CosS3Client, emu: RunningEmulator
) -> None:
    with pytest.raises(CosServiceError) as info:
        client.post_vod_playlist(
            Bucket=emu.bucket, ChannelName="ch1", PlaylistName="a.m3u8", StartTime=1611218201, EndTime=1611218300
        )
    assert_cos_error(info.value, 501, "NotImplemented")


@pytest.mark.parametrize(
    ("method", "key", "query"),
    [
        ("GET", "", "notification"),
        ("PUT", "obj", "retention"),
        ("GET", "", "live"),
        ("PUT", "obj", "comp=flush"),
        ("GET", "", "vod"),
        ("GET", "", "requestpayment"),
        ("GET", "obj", "select&select-type=2"),
        ("PUT", "obj", "rename"),
        ("GET", "obj", "legal-hold"),
        ("GET", "", "accelerate"),
        ("GET", "obj", "imageMogr2/thumbnail/100x"),
        ("GET", "obj", "imageInfo"),
    ],
)
def test_every_unimplemented_subresource_is_501(emu: RunningEmulator, method: str, key: str, query: str) -> None:
    name, _, value = query.partition("&")[0].partition("=")
    params = [tuple(p.partition("=")[::2]) for p in query.split("&")]
    resp = raw_request(emu, method, key, params=params, body=b"x" if method in ("PUT", "POST") else None)
    assert resp.status == 501, (resp.status, resp.body)
    assert b"<Code>NotImplemented</Code>" in resp.body
    assert name.split("/")[0].encode() in resp.body or value.encode() in resp.body


def test_a_plain_request_still_works_next_to_the_allow_list(emu: RunningEmulator, client: CosS3Client) -> None:
    client.put_object(Bucket=emu.bucket, Key="plain", Body=b"x")
    assert client.get_object(Bucket=emu.bucket, Key="plain", ResponseContentType="text/plain")["Content-Type"] == (
        "text/plain"
    )


def test_object_lock_has_no_delete(emu: RunningEmulator) -> None:
    """Object lock cannot be switched off in COS: DELETE is not an operation of ?object-lock."""
    resp = raw_request(emu, "DELETE", params={"object-lock": ""})
    assert resp.status == 405, (resp.status, resp.body)
    assert resp.header("Allow") == "GET, PUT"
