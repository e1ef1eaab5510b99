"""Versioning through the official Python SDK: the bucket state, version ids on PUT, reads and deletes by
`versionId`, delete markers, `list_objects_versions` (also on a bucket that was never versioned), copies
from an old version, multi-delete with versions, and durability across a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_cos_error, assert_error, raw_request, unique
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.sdk


def error_of(call: Callable[[], object]) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


def body(client: CosS3Client, bucket: str, key: str, **kw: Any) -> bytes:
    data: bytes = client.get_object(Bucket=bucket, Key=key, **kw)["Body"].get_raw_stream().read()
    return data


def versions(client: CosS3Client, bucket: str, **kw: Any) -> list[tuple[str, str, str, str]]:
    """(kind, key, version id, IsLatest): versions in listing order, then delete markers (the SDK splits them)."""
    result = client.list_objects_versions(Bucket=bucket, **kw)
    rows = [("v", v["Key"], v["VersionId"], v["IsLatest"]) for v in result.get("Version", [])]
    return rows + [("m", d["Key"], d["VersionId"], d["IsLatest"]) for d in result.get("DeleteMarker", [])]


@pytest.fixture
def bucket(emu: RunningEmulator, client: CosS3Client) -> str:
    name = f"{unique('ver')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name)
    return name


def test_state_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    assert client.get_bucket_versioning(Bucket=bucket) == {"VersioningConfiguration": None}  # an empty document
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    assert client.get_bucket_versioning(Bucket=bucket) == {"Status": "Enabled"}
    client.put_bucket_versioning(Bucket=bucket, Status="Suspended")
    assert client.get_bucket_versioning(Bucket=bucket) == {"Status": "Suspended"}
    for bad in (b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", b"<Versioning/>", b"<"):
        resp = raw_request(emu, "PUT", "", params={"versioning": ""}, bucket=bucket, body=bad)
        assert_error(resp, 400, "MalformedXML")
    assert client.get_bucket_versioning(Bucket=bucket) == {"Status": "Suspended"}


def test_unversioned_bucket_lists_null_versions(client: CosS3Client, bucket: str) -> None:
    put = client.put_object(Bucket=bucket, Key="plain.txt", Body=b"1")
    assert "x-cos-version-id" not in put
    result = client.list_objects_versions(Bucket=bucket)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in result["Version"]] == [("plain.txt", "null", "true")]
    assert result["Version"][0]["ETag"] == put["ETag"]
    assert "DeleteMarker" not in result
    deleted = client.delete_object(Bucket=bucket, Key="plain.txt")
    assert "x-cos-delete-marker" not in deleted
    assert "Version" not in client.list_objects_versions(Bucket=bucket)


def test_versions_markers_and_reads_by_version(client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="doc", Body=b"before")  # the "null" version
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    v1 = client.put_object(Bucket=bucket, Key="doc", Body=b"one")["x-cos-version-id"]
    v2 = client.put_object(Bucket=bucket, Key="doc", Body=b"two")["x-cos-version-id"]
    assert len({v1, v2, "null"}) == 3
    assert body(client, bucket, "doc") == b"two"
    assert body(client, bucket, "doc", VersionId=v1) == b"one"
    assert body(client, bucket, "doc", VersionId="null") == b"before"
    assert client.head_object(Bucket=bucket, Key="doc", VersionId=v1)["x-cos-version-id"] == v1
    assert client.get_object(Bucket=bucket, Key="doc")["x-cos-version-id"] == v2
    assert versions(client, bucket) == [
        ("v", "doc", v2, "true"),
        ("v", "doc", v1, "false"),
        ("v", "doc", "null", "false"),
    ]

    marker = client.delete_object(Bucket=bucket, Key="doc")
    assert marker["x-cos-delete-marker"] == "true"
    marker_id = marker["x-cos-version-id"]
    assert_cos_error(error_of(lambda: client.get_object(Bucket=bucket, Key="doc")), 404, "NoSuchKey")
    assert "Contents" not in client.list_objects(Bucket=bucket)
    listed = client.list_objects_versions(Bucket=bucket)
    assert [(d["Key"], d["VersionId"], d["IsLatest"]) for d in listed["DeleteMarker"]] == [("doc", marker_id, "true")]
    assert [v["IsLatest"] for v in listed["Version"]] == ["false", "false", "false"]
    assert_cos_error(error_of(lambda: client.get_object(Bucket=bucket, Key="doc", VersionId=marker_id)), 405,
                     "MethodNotAllowed")  # fmt: skip
    assert_cos_error(error_of(lambda: client.get_object(Bucket=bucket, Key="doc", VersionId="nosuchversion")), 404,
                     "NoSuchVersion")  # fmt: skip

    # Deleting the marker brings v2 back; deleting v2 by id promotes v1.
    gone = client.delete_object(Bucket=bucket, Key="doc", VersionId=marker_id)
    assert (gone["x-cos-version-id"], gone["x-cos-delete-marker"]) == (marker_id, "true")
    assert body(client, bucket, "doc") == b"two"
    client.delete_object(Bucket=bucket, Key="doc", VersionId=v2)
    assert body(client, bucket, "doc") == b"one"
    assert_cos_error(error_of(lambda: client.delete_bucket(Bucket=bucket)), 409, "BucketNotEmpty")


def test_an_empty_version_id_means_the_current_version(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    client.put_object(Bucket=bucket, Key="k", Body=b"1")
    client.put_object(Bucket=bucket, Key="k", Body=b"2")
    got = raw_request(emu, "GET", "k", params={"versionId": ""}, bucket=bucket)  # what Go's Download sends
    assert (got.status, got.body) == (200, b"2")


def test_copy_from_an_old_version_and_multi_delete(client: CosS3Client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    v1 = client.put_object(Bucket=bucket, Key="src", Body=b"old")["x-cos-version-id"]
    client.put_object(Bucket=bucket, Key="src", Body=b"new")
    copied = client.copy_object(
        Bucket=bucket, Key="restored", CopySource={"Bucket": bucket, "Key": "src", "Region": "ap-guangzhou",
                                                    "VersionId": v1},
    )  # fmt: skip
    assert body(client, bucket, "restored") == b"old"
    assert copied["ETag"]
    result = client.delete_objects(
        Bucket=bucket, Delete={"Object": [{"Key": "src", "VersionId": v1}, {"Key": "restored"}], "Quiet": "false"}
    )
    deleted = {d["Key"]: d for d in result["Deleted"]}
    assert deleted["src"]["VersionId"] == v1
    assert deleted["restored"]["DeleteMarker"] == "true" and deleted["restored"]["DeleteMarkerVersionId"]
    assert body(client, bucket, "src") == b"new"
    assert_cos_error(error_of(lambda: client.get_object(Bucket=bucket, Key="src", VersionId=v1)), 404, "NoSuchVersion")


def test_suspended_overwrites_the_null_version(client: CosS3Client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    v1 = client.put_object(Bucket=bucket, Key="k", Body=b"1")["x-cos-version-id"]
    client.put_bucket_versioning(Bucket=bucket, Status="Suspended")
    assert "x-cos-version-id" not in client.put_object(Bucket=bucket, Key="k", Body=b"2")
    client.put_object(Bucket=bucket, Key="k", Body=b"3")
    assert versions(client, bucket) == [("v", "k", "null", "true"), ("v", "k", v1, "false")]
    assert body(client, bucket, "k") == b"3"


def test_listing_pages_with_markers(client: CosS3Client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    expected = []
    for key in ("a/1", "a/2", "b"):
        ids = [client.put_object(Bucket=bucket, Key=key, Body=key.encode())["x-cos-version-id"] for _ in range(2)]
        expected += [(key, ids[1]), (key, ids[0])]
    seen: list[tuple[str, str]] = []
    key_marker = version_marker = ""
    while True:
        page = client.list_objects_versions(Bucket=bucket, MaxKeys=4, KeyMarker=key_marker,
                                            VersionIdMarker=version_marker)  # fmt: skip
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Version", [])]
        if page["IsTruncated"] != "true":
            break
        key_marker, version_marker = page["NextKeyMarker"], page["NextVersionIdMarker"]
    assert seen == expected
    folded = client.list_objects_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in folded["CommonPrefixes"]] == ["a/"]
    assert [v["Key"] for v in folded["Version"]] == ["b", "b"]


def test_versions_survive_a_restart(tmp_path: Path) -> None:
    settings: dict[str, Any] = {"storage": "disk", "data_dir": tmp_path / "data"}
    with running_emulator(**settings) as first:
        c = first.client()
        c.put_bucket_versioning(Bucket=first.bucket, Status="Enabled")
        v1 = c.put_object(Bucket=first.bucket, Key="k", Body=b"1")["x-cos-version-id"]
        c.put_object(Bucket=first.bucket, Key="k", Body=b"2")
        c.delete_object(Bucket=first.bucket, Key="k")
    with running_emulator(**settings) as second:
        c = second.client()
        assert c.get_bucket_versioning(Bucket=second.bucket) == {"Status": "Enabled"}
        assert body(c, second.bucket, "k", VersionId=v1) == b"1"
        assert len(c.list_objects_versions(Bucket=second.bucket)["DeleteMarker"]) == 1
