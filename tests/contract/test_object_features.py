"""Object features beyond PUT/GET through the real Python SDK: append, archive classes and restore,
symlinks, and the SDK's presigning and high-level helpers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import assert_cos_error, assert_error, raw_request
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk


def body_of(response: dict[str, Any]) -> bytes:
    data: bytes = response["Body"].get_raw_stream().read()
    return data


def error_of(call: Any) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


# --- append ----------------------------------------------------------------------------------------------
def test_append_object_positions(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    b = emu.bucket
    wrong_start = error_of(lambda: client.append_object(Bucket=b, Key=key, Position=4, Data=b"x"))
    assert_cos_error(wrong_start, 409, "PositionNotEqualToLength")
    first = client.append_object(Bucket=b, Key=key, Position=0, Data=b"hello")
    assert first["x-cos-next-append-position"] == "5"
    head = client.head_object(Bucket=b, Key=key)
    assert head["x-cos-object-type"] == "appendable" and head["Content-Length"] == "5"
    stale = error_of(lambda: client.append_object(Bucket=b, Key=key, Position=3, Data=b"!!"))
    assert_cos_error(stale, 409, "PositionNotEqualToLength")
    second = client.append_object(Bucket=b, Key=key, Position=5, Data=b", world")
    assert second["x-cos-next-append-position"] == "12"
    assert body_of(client.get_object(Bucket=b, Key=key)) == b"hello, world"
    # An appendable object may not be replaced by a multipart upload ...
    refused = error_of(lambda: client.create_multipart_upload(Bucket=b, Key=key))
    assert_cos_error(refused, 400, "InvalidRequest")
    # ... but a PUT makes it a normal object, which cannot be appended to.
    client.put_object(Bucket=b, Key=key, Body=b"normal")
    assert "x-cos-object-type" not in client.head_object(Bucket=b, Key=key)
    normal = error_of(lambda: client.append_object(Bucket=b, Key=key, Position=6, Data=b"x"))
    assert_cos_error(normal, 409, "ObjectNotAppendable")


def test_append_reports_the_next_position_on_a_mismatch(emu: RunningEmulator, key: str) -> None:
    assert raw_request(emu, "POST", key, params={"append": "", "position": "0"}, body=b"abc").status == 200
    resp = raw_request(emu, "POST", key, params={"append": "", "position": "1"}, body=b"d")
    assert_error(resp, 409, "PositionNotEqualToLength")
    assert resp.header("x-cos-next-append-position") == "3"
    for position in ("", "-1", "x"):
        bad = raw_request(emu, "POST", key, params={"append": "", "position": position}, body=b"d")
        assert_error(bad, 400, "InvalidArgument")
    md5 = raw_request(emu, "POST", key, params={"append": "", "position": "3"}, body=b"d",
                      headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})  # fmt: skip
    assert_error(md5, 400, "BadDigest")
    assert raw_request(emu, "GET", key).body == b"abc"  # nothing appended by the refused requests


# --- archive classes and restore ----------------------------------------------------------------------
@pytest.mark.parametrize("storage_class", ["ARCHIVE", "DEEP_ARCHIVE"])
def test_archive_needs_restore(client: CosS3Client, emu: RunningEmulator, key: str, storage_class: str) -> None:
    b = emu.bucket
    client.put_object(Bucket=b, Key=key, Body=b"frozen", StorageClass=storage_class)
    head = client.head_object(Bucket=b, Key=key)  # HEAD works on archived objects
    assert head["x-cos-storage-class"] == storage_class and "x-cos-restore" not in head
    assert_cos_error(error_of(lambda: client.get_object(Bucket=b, Key=key)), 403, "InvalidObjectState")
    copy_source = {"Bucket": b, "Key": key, "Region": emu.region}
    copy = error_of(lambda: client.copy_object(Bucket=b, Key=key + ".copy", CopySource=copy_source))
    assert_cos_error(copy, 403, "InvalidObjectState")
    ocr = error_of(lambda: client.ci_ocr_process(Bucket=b, Key=key))  # CI cannot read it either
    assert_cos_error(ocr, 403, "InvalidObjectState")
    if storage_class == "DEEP_ARCHIVE":
        expedited = {"Days": 1, "CASJobParameters": {"Tier": "Expedited"}}
        refused = error_of(lambda: client.restore_object(Bucket=b, Key=key, RestoreRequest=expedited))
        assert_cos_error(refused, 400, "InvalidArgument")
    client.restore_object(Bucket=b, Key=key, RestoreRequest={"Days": 2, "CASJobParameters": {"Tier": "Standard"}})
    restored = client.head_object(Bucket=b, Key=key)["x-cos-restore"]
    assert restored.startswith('ongoing-request="false", expiry-date="')
    assert body_of(client.get_object(Bucket=b, Key=key)) == b"frozen"
    assert restored == client.get_object(Bucket=b, Key=key)["x-cos-restore"]


def test_restore_statuses_and_bad_requests(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"cold", StorageClass="ARCHIVE")
    body = b"<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Bulk</Tier></CASJobParameters></RestoreRequest>"
    assert raw_request(emu, "POST", key, params={"restore": ""}, body=body).status == 202
    assert raw_request(emu, "POST", key, params={"restore": ""}, body=body).status == 200  # already restored
    for bad, code in [
        (b"<RestoreRequest><Days>0</Days></RestoreRequest>", "InvalidArgument"),
        (
            b"<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Fast</Tier></CASJobParameters></RestoreRequest>",
            "InvalidArgument",
        ),
        (b"<RestoreRequest><CASJobParameters/></RestoreRequest>", "MalformedXML"),
        (b"<Restore/>", "MalformedXML"),
    ]:
        assert_error(raw_request(emu, "POST", key, params={"restore": ""}, body=bad), 400, code)
    client.put_object(Bucket=emu.bucket, Key=key + ".hot", Body=b"hot")
    hot = raw_request(emu, "POST", key + ".hot", params={"restore": ""}, body=body)
    assert_error(hot, 403, "InvalidObjectState")
    assert_error(raw_request(emu, "POST", key + ".none", params={"restore": ""}, body=body), 404, "NoSuchKey")


# --- symlinks -------------------------------------------------------------------------------------------
def test_symlink_round_trip_and_follow(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    b = emu.bucket
    client.put_object(Bucket=b, Key=key, Body=b"the target", ContentType="text/plain")
    link = key + ".link"
    client.put_symlink(Bucket=b, SymlinkName=link, SymlinkTarget=key)
    assert client.get_symlink(Bucket=b, SymlinkName=link)["x-cos-symlink-target"] == key
    got = client.get_object(Bucket=b, Key=link)
    assert body_of(got) == b"the target" and got["Content-Type"] == "text/plain"
    assert client.head_object(Bucket=b, Key=link)["Content-Length"] == str(len(b"the target"))
    not_link = error_of(lambda: client.get_symlink(Bucket=b, SymlinkName=key))
    assert_cos_error(not_link, 400, "InvalidArgument")
    chain = error_of(lambda: client.put_symlink(Bucket=b, SymlinkName=key + ".2", SymlinkTarget=link))
    assert_cos_error(chain, 400, "InvalidArgument")
    client.delete_object(Bucket=b, Key=key)  # the link stays and now points nowhere
    assert_cos_error(error_of(lambda: client.get_object(Bucket=b, Key=link)), 404, "NoSuchKey")
    client.delete_object(Bucket=b, Key=link)
    assert not client.object_exists(Bucket=b, Key=link)


@pytest.mark.parametrize("directive", ["Copy", "Replaced"])
def test_copying_a_symlink_copies_the_link(client: CosS3Client, emu: RunningEmulator, key: str, directive: str) -> None:
    """A copy of a link is a link to the same target, whatever the metadata directive (it used to become an
    empty object with `Replaced`): the link is the object, its target is not metadata."""
    b = emu.bucket
    client.put_object(Bucket=b, Key=key, Body=b"the target")
    link, copy = key + ".link", key + ".copy"
    client.put_symlink(Bucket=b, SymlinkName=link, SymlinkTarget=key)
    source = {"Bucket": b, "Key": link, "Region": emu.region}
    client.copy_object(Bucket=b, Key=copy, CopySource=source, CopyStatus=directive, ContentType="text/plain")
    assert client.get_symlink(Bucket=b, SymlinkName=copy)["x-cos-symlink-target"] == key
    assert body_of(client.get_object(Bucket=b, Key=copy)) == b"the target"


def test_symlink_needs_a_target(emu: RunningEmulator, key: str) -> None:
    assert_error(raw_request(emu, "PUT", key, params={"symlink": ""}), 400, "InvalidArgument")
    same = raw_request(emu, "PUT", key, params={"symlink": ""}, headers={"x-cos-symlink-target": key})
    assert_error(same, 400, "InvalidArgument")


# --- the SDK's presigning and high-level helpers -----------------------------------------------------------
def test_presigned_helpers(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    b = emu.bucket
    put_url = client.get_presigned_url(Bucket=b, Key=key, Method="PUT", Expired=300)
    assert requests.put(put_url, data=b"via presigned PUT", timeout=30).status_code == 200
    download = client.get_presigned_download_url(Bucket=b, Key=key, Expired=300)
    assert requests.get(download, timeout=30).content == b"via presigned PUT"
    plain = client.get_object_url(Bucket=b, Key=key)  # unsigned: refused on a private bucket
    assert requests.get(plain, timeout=30).status_code == 403
    auth = client.get_auth(Method="GET", Bucket=b, Key=key, Expired=300)
    assert requests.get(plain, headers={"Authorization": auth}, timeout=30).content == b"via presigned PUT"


def test_high_level_helpers(client: CosS3Client, emu: RunningEmulator, key: str, tmp_path: Path) -> None:
    b = emu.bucket
    local = tmp_path / "local.bin"
    local.write_bytes(b"from a local file")
    client.put_object_from_local_file(Bucket=b, LocalFilePath=str(local), Key=key)
    assert body_of(client.get_object(Bucket=b, Key=key)) == b"from a local file"
    client.upload_file_from_buffer(Bucket=b, Key=key + ".buf", Body=io.BytesIO(b"from a buffer"))
    assert body_of(client.get_object(Bucket=b, Key=key + ".buf")) == b"from a buffer"
    # copy() looks the source up at its public host name, so it needs the emulator as the HTTP proxy.
    proxied = CosS3Client(
        CosConfig(Region=emu.region, SecretId=emu.secret_id, SecretKey=emu.secret_key, Scheme="http",
                  Proxies={"http": f"http://127.0.0.1:{emu.port}"}),
        retry=0,
    )  # fmt: skip
    proxied.copy(Bucket=b, Key=key + ".copy", CopySource={"Bucket": b, "Key": key, "Region": emu.region})
    assert body_of(client.get_object(Bucket=b, Key=key + ".copy")) == b"from a local file"
    client.change_object_storage_class(Bucket=b, Key=key + ".copy", StorageClass="STANDARD_IA")
    assert client.head_object(Bucket=b, Key=key + ".copy")["x-cos-storage-class"] == "STANDARD_IA"
    client.update_object_meta(Bucket=b, Key=key, Metadata={"x-cos-meta-owner": "ops"})
    assert client.head_object(Bucket=b, Key=key)["x-cos-meta-owner"] == "ops"
    assert body_of(client.get_object(Bucket=b, Key=key)) == b"from a local file"


def test_whole_sdk_through_the_emulator_as_http_proxy(emu: RunningEmulator, key: str) -> None:
    """With the emulator as the HTTP proxy the SDK keeps the real host names (no IP/Domain settings)."""
    proxied = CosS3Client(
        CosConfig(Region=emu.region, SecretId=emu.secret_id, SecretKey=emu.secret_key, Scheme="http",
                  Proxies={"http": f"http://127.0.0.1:{emu.port}"}),
        retry=0,
    )  # fmt: skip
    proxied.put_object(Bucket=emu.bucket, Key=key, Body=b"via proxy")
    assert body_of(proxied.get_object(Bucket=emu.bucket, Key=key)) == b"via proxy"
    assert emu.bucket in [b["Name"] for b in proxied.list_buckets()["Buckets"]["Bucket"]]
    missing = error_of(lambda: proxied.head_bucket(Bucket=f"nobody-{emu.settings.appid}"))
    assert missing.get_status_code() == 404
