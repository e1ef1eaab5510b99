"""The official Python SDK (cos-python-sdk-v5) against a live emulator, with only endpoint settings changed.

Object tests run twice: `CosConfig(IP=, Port=)` (bucket in the Host header) and `CosConfig(Domain=)` (no
bucket on the wire; the emulator's default bucket).
"""

from __future__ import annotations

import gzip
import os
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import REGION, assert_cos_error, crc64, ip_config, md5_hex, raw_request, unique
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk

ALREADY_OWNED = "Your previous request to create the named bucket succeeded and you already own it."


def body_of(response: dict[str, Any]) -> bytes:
    data: bytes = response["Body"].get_raw_stream().read()
    return data


def put(cos: CosS3Client, bucket: str, key: str, data: bytes, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = cos.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)
    return result


@pytest.fixture(scope="module")
def other_bucket(emu: RunningEmulator) -> str:
    name = f"{unique('other')}-{emu.settings.appid}"
    CosS3Client(ip_config(emu), retry=0).create_bucket(Bucket=name)
    return name


# --- single objects ------------------------------------------------------------------------------


def test_put_get_head_delete(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = os.urandom(1000) + b"tail"
    put_result = put(cos, emu.bucket, key, data)
    assert put_result["ETag"] == f'"{md5_hex(data)}"'
    assert put_result["x-cos-hash-crc64ecma"] == crc64(data)

    got = cos.get_object(Bucket=emu.bucket, Key=key)
    assert body_of(got) == data
    assert got["Content-Length"] == str(len(data))
    assert got["ETag"] == f'"{md5_hex(data)}"'

    cos.delete_object(Bucket=emu.bucket, Key=key)
    with pytest.raises(CosServiceError) as info:
        cos.get_object(Bucket=emu.bucket, Key=key)
    assert_cos_error(info.value, 404, "NoSuchKey", "The specified key does not exist.")
    with pytest.raises(CosServiceError) as info:
        cos.head_object(Bucket=emu.bucket, Key=key)
    assert_cos_error(info.value, 404, "NoSuchResource", "The Resource You Head Not Exist", head=True)
    assert cos.object_exists(Bucket=emu.bucket, Key=key) is False
    cos.delete_object(Bucket=emu.bucket, Key=key)  # deleting a missing key is a 204, as on COS


def test_head_object_exact_header_names(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = b"hello head " * 77
    put(cos, emu.bucket, key, data, ContentType="text/plain")
    head = cos.head_object(Bucket=emu.bucket, Key=key)
    # A plain dict keyed by the names as sent: the SDK indexes these spellings (docs/wire-compat.md §5.2).
    assert head["Content-Length"] == str(len(data))
    assert head["ETag"] == f'"{md5_hex(data)}"'
    assert head["x-cos-hash-crc64ecma"] == crc64(data)
    assert head["Content-Type"] == "text/plain"
    assert parsedate_to_datetime(head["Last-Modified"]).tzinfo is not None
    assert head["x-cos-request-id"]
    assert head["Server"] == "tencent-cos"


def test_metadata_and_stored_headers(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    put(
        cos, emu.bucket, key, b"meta", Metadata={"x-cos-meta-color": "Blue", "x-cos-meta-md5": "abc"},
        ContentDisposition="attachment; filename=a.bin", CacheControl="no-cache",
        StorageClass="STANDARD", TrafficLimit="819200",
    )  # fmt: skip
    head = cos.head_object(Bucket=emu.bucket, Key=key)
    assert head["x-cos-meta-color"] == "Blue"
    assert head["x-cos-meta-md5"] == "abc"
    assert head["Content-Disposition"] == "attachment; filename=a.bin"
    assert head["Cache-Control"] == "no-cache"


def test_content_encoding_stored_and_body_unchanged(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = gzip.compress(b"compressed text " * 100)
    put(cos, emu.bucket, key, data, ContentEncoding="gzip", ContentType="text/plain")
    got = cos.get_object(Bucket=emu.bucket, Key=key)
    assert got["Content-Encoding"] == "gzip"
    assert got["Content-Length"] == str(len(data))
    assert body_of(got) == data  # the emulator never decodes or re-encodes


def test_response_overrides_on_get(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    put(cos, emu.bucket, key, b"override me")
    got = cos.get_object(
        Bucket=emu.bucket, Key=key, ResponseContentType="text/csv", ResponseContentDisposition="inline",
        ResponseCacheControl="max-age=60", ResponseContentLanguage="zh-CN", ResponseExpires="0",
    )  # fmt: skip
    assert got["Content-Type"] == "text/csv"
    assert got["Content-Disposition"] == "inline"
    assert got["Cache-Control"] == "max-age=60"
    assert got["Content-Language"] == "zh-CN"
    assert got["Expires"] == "0"
    assert body_of(got) == b"override me"


def test_range_get(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = bytes(range(256)) * 4
    put(cos, emu.bucket, key, data)
    got = cos.get_object(Bucket=emu.bucket, Key=key, Range="bytes=10-19")
    assert body_of(got) == data[10:20]
    assert got["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert got["Content-Length"] == "10"
    assert got["x-cos-hash-crc64ecma"] == crc64(data)  # whole-object CRC, also on 206
    tail = cos.get_object(Bucket=emu.bucket, Key=key, Range="bytes=-5")
    assert body_of(tail) == data[-5:]
    # The status itself, which the SDK hides:
    resp = raw_request(emu, "GET", key, headers={"Range": "bytes=1000-"})
    assert (resp.status, resp.header("Content-Range"), resp.body) == (206, f"bytes 1000-1023/{len(data)}", data[1000:])


def test_conditional_get(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = b"conditional"
    etag = put(cos, emu.bucket, key, data)["ETag"]
    # 304 is success to the SDK (3xx is not an error): no body, the ETag echoed.
    not_modified = cos.get_object(Bucket=emu.bucket, Key=key, IfNoneMatch=etag)
    assert not_modified["ETag"] == etag
    assert body_of(not_modified) == b""
    assert raw_request(emu, "GET", key, headers={"If-None-Match": etag}).status == 304
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key, IfMatch=etag)) == data
    with pytest.raises(CosServiceError) as info:
        cos.get_object(Bucket=emu.bucket, Key=key, IfMatch='"0123456789abcdef0123456789abcdef"')
    assert_cos_error(info.value, 412, "PreconditionFailed", f"If-Match did not match the ETag {etag}.")
    later, earlier = "Fri, 01 Jan 2100 00:00:00 GMT", "Thu, 01 Jan 2015 00:00:00 GMT"
    assert raw_request(emu, "GET", key, headers={"If-Modified-Since": later}).status == 304
    assert raw_request(emu, "HEAD", key, headers={"If-None-Match": etag}).status == 304
    assert raw_request(emu, "GET", key, headers={"If-Modified-Since": earlier}).body == data
    with pytest.raises(CosServiceError) as info:
        cos.get_object(Bucket=emu.bucket, Key=key, IfUnmodifiedSince=earlier)
    assert_cos_error(info.value, 412, "PreconditionFailed", f"The object was modified after {earlier}.")


# --- listing -------------------------------------------------------------------------------------


def test_list_prefix_delimiter_marker(cos: CosS3Client, emu: RunningEmulator) -> None:
    base = unique("list") + "/"
    names = ["a.txt", "b.txt", "c.txt", "dir1/x", "dir1/y", "dir2/z"]
    for name in names:
        put(cos, emu.bucket, base + name, name.encode())
    listed = cos.list_objects(Bucket=emu.bucket, Prefix=base, Delimiter="/")
    assert [c["Key"] for c in listed["Contents"]] == [base + n for n in ("a.txt", "b.txt", "c.txt")]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == [base + "dir1/", base + "dir2/"]
    assert listed["IsTruncated"] == "false"
    first = listed["Contents"][0]
    assert first["Size"] == "5"
    assert first["ETag"] == f'"{md5_hex(b"a.txt")}"'

    page = cos.list_objects(Bucket=emu.bucket, Prefix=base, MaxKeys=2)
    assert [c["Key"] for c in page["Contents"]] == [base + "a.txt", base + "b.txt"]
    assert page["IsTruncated"] == "true"
    assert page["NextMarker"] == base + "b.txt"
    rest = cos.list_objects(Bucket=emu.bucket, Prefix=base, Marker=page["NextMarker"], MaxKeys=1000)
    assert [c["Key"] for c in rest["Contents"]] == [base + n for n in names[2:]]
    assert rest["IsTruncated"] == "false"


@pytest.mark.parametrize(
    "name",
    [
        "with space.txt",
        "plus+sign.txt",
        "100% done.txt",
        "发票 2024/scan 01.png",
        "a%2Fb+c d%",
        "q?a=1&b#frag;x.txt",
        "line\nbreak\ttab.txt",
    ],
)
def test_list_round_trips_awkward_keys(cos: CosS3Client, emu: RunningEmulator, name: str) -> None:
    base = unique("enc") + "/"
    key = base + name
    put(cos, emu.bucket, key, b"x")
    listed = cos.list_objects(Bucket=emu.bucket, Prefix=base)  # the SDK always sends encoding-type=url
    assert [c["Key"] for c in listed["Contents"]] == [key]
    by_prefix = cos.list_objects(Bucket=emu.bucket, Prefix=key)
    assert [c["Key"] for c in by_prefix["Contents"]] == [key]
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key)) == b"x"
    delimited = cos.list_objects(Bucket=emu.bucket, Prefix=unique("none"), Delimiter="/")
    assert "Contents" not in delimited
    cos.copy_object(Bucket=emu.bucket, Key=key + " copy", CopySource=_source(emu.bucket, key))
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key + " copy")) == b"x"


def test_list_pages_through_awkward_keys(cos: CosS3Client, emu: RunningEmulator) -> None:
    base = unique("pages") + "/"
    keys = sorted(base + name for name in ("a +%1", "a +%2", "b%20c", "中 3"))
    for k in keys:
        put(cos, emu.bucket, k, b"p")
    seen, marker = [], ""
    for _ in keys:
        page = cos.list_objects(Bucket=emu.bucket, Prefix=base, Marker=marker, MaxKeys=1)
        seen += [c["Key"] for c in page["Contents"]]
        if page["IsTruncated"] == "false":
            break
        marker = page["NextMarker"]  # decoded by the SDK, sent back as is
    assert seen == keys


def test_delete_objects_multi(cos: CosS3Client, emu: RunningEmulator) -> None:
    base = unique("multi") + "/"
    keys = [base + f"{i} file+{i}.txt" for i in range(5)]
    for k in keys:
        put(cos, emu.bucket, k, b"bye")
    result = cos.delete_objects(Bucket=emu.bucket, Delete={"Object": [{"Key": k} for k in keys[:4]], "Quiet": "false"})
    assert sorted(d["Key"] for d in result["Deleted"]) == sorted(keys[:4])
    assert "Error" not in result
    remaining = cos.list_objects(Bucket=emu.bucket, Prefix=base)
    assert [c["Key"] for c in remaining["Contents"]] == [keys[4]]


# --- high-level transfer -------------------------------------------------------------------------

BIG = 20 * 1024 * 1024 + 4321


def test_upload_file_multipart_and_download_file_crc(
    cos: CosS3Client, emu: RunningEmulator, key: str, tmp_path: Path
) -> None:
    data = os.urandom(BIG)
    src, dst = tmp_path / "big.bin", tmp_path / "down.bin"
    src.write_bytes(data)
    result = cos.upload_file(
        Bucket=emu.bucket, Key=key, LocalFilePath=str(src), PartSize=1, MAXThread=5,
        Metadata={"x-cos-meta-origin": "upload_file"}, ContentType="application/x-test",
    )  # fmt: skip
    parts = BIG // (1024 * 1024) + 1
    # A multipart ETag ("<hex>-<parts>") proves it really went multipart.
    assert result["ETag"].strip('"').endswith(f"-{parts}")
    head = cos.head_object(Bucket=emu.bucket, Key=key)
    assert head["Content-Length"] == str(BIG)
    assert head["x-cos-hash-crc64ecma"] == crc64(data)
    assert head["x-cos-meta-origin"] == "upload_file"
    assert head["Content-Type"] == "application/x-test"
    # Ranged, resumable download (object > PartSize), which compares the CRC with HEAD's header.
    cos.download_file(Bucket=emu.bucket, Key=key, DestFilePath=str(dst), PartSize=5, EnableCRC=True)
    assert md5_hex(dst.read_bytes()) == md5_hex(data)


def test_upload_file_small_goes_single_put(cos: CosS3Client, emu: RunningEmulator, key: str, tmp_path: Path) -> None:
    src = tmp_path / "small.bin"
    src.write_bytes(b"s" * 1000)
    result = cos.upload_file(Bucket=emu.bucket, Key=key, LocalFilePath=str(src), EnableMD5=True)
    assert result["ETag"] == f'"{md5_hex(b"s" * 1000)}"'


# --- copy ----------------------------------------------------------------------------------------


def _source(bucket: str, key: str) -> dict[str, str]:
    return {"Bucket": bucket, "Key": key, "Region": REGION}


def test_copy_same_bucket(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    data = b"copy me"
    put(cos, emu.bucket, key, data, Metadata={"x-cos-meta-k": "v"}, ContentType="text/plain")
    result = cos.copy_object(Bucket=emu.bucket, Key=key + ".copy", CopySource=_source(emu.bucket, key))
    assert result["ETag"] == f'"{md5_hex(data)}"'
    head = cos.head_object(Bucket=emu.bucket, Key=key + ".copy")
    assert (head["x-cos-meta-k"], head["Content-Type"]) == ("v", "text/plain")
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key + ".copy")) == data


def test_copy_from_other_bucket(cos: CosS3Client, emu: RunningEmulator, other_bucket: str, key: str) -> None:
    data = os.urandom(3000)
    CosS3Client(ip_config(emu), retry=0).put_object(Bucket=other_bucket, Key=key, Body=data)
    cos.copy_object(Bucket=emu.bucket, Key=key, CopySource=_source(other_bucket, key))
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key)) == data


def test_copy_to_other_bucket(client: CosS3Client, emu: RunningEmulator, other_bucket: str, key: str) -> None:
    put(client, emu.bucket, key, b"to the other")
    client.copy_object(Bucket=other_bucket, Key=key, CopySource=_source(emu.bucket, key))
    assert body_of(client.get_object(Bucket=other_bucket, Key=key)) == b"to the other"


def test_copy_onto_itself_replaces_metadata(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    put(cos, emu.bucket, key, b"same", Metadata={"x-cos-meta-old": "1"})
    with pytest.raises(CosServiceError) as info:
        cos.copy_object(Bucket=emu.bucket, Key=key, CopySource=_source(emu.bucket, key))
    assert_cos_error(
        info.value, 400, "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without changing the "
        "object's metadata (send x-cos-metadata-directive: Replaced).",
    )  # fmt: skip
    cos.copy_object(
        Bucket=emu.bucket, Key=key, CopySource=_source(emu.bucket, key), CopyStatus="Replaced",
        Metadata={"x-cos-meta-new": "2"}, ContentType="text/x-new",
    )  # fmt: skip
    head = cos.head_object(Bucket=emu.bucket, Key=key)
    assert head["x-cos-meta-new"] == "2"
    assert "x-cos-meta-old" not in head
    assert head["Content-Type"] == "text/x-new"
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key)) == b"same"


# --- presigned URLs ------------------------------------------------------------------------------


def test_presigned_put_and_download(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    put_url = cos.get_presigned_url(Bucket=emu.bucket, Key=key, Method="PUT", Expired=120)
    assert requests.put(put_url, data=b"presigned body", timeout=30).status_code == 200
    url = cos.get_presigned_download_url(Bucket=emu.bucket, Key=key, Expired=120)
    resp = requests.get(url, timeout=30)
    assert (resp.status_code, resp.content) == (200, b"presigned body")
    with_params = cos.get_presigned_download_url(
        Bucket=emu.bucket, Key=key, Params={"response-content-type": "text/x-presigned"}
    )
    resp = requests.get(with_params, timeout=30)
    assert resp.headers["Content-Type"] == "text/x-presigned"


# --- buckets -------------------------------------------------------------------------------------


def test_bucket_lifecycle(client: CosS3Client, emu: RunningEmulator) -> None:
    name = f"{unique('life')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name)
    assert client.head_bucket(Bucket=name)["x-cos-request-id"]
    assert client.bucket_exists(Bucket=name) is True
    with pytest.raises(CosServiceError) as info:
        client.create_bucket(Bucket=name)
    assert_cos_error(info.value, 409, "BucketAlreadyOwnedByYou", ALREADY_OWNED)
    client.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(CosServiceError) as info:
        client.delete_bucket(Bucket=name)
    assert_cos_error(info.value, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty.")
    client.delete_object(Bucket=name, Key="k")
    client.delete_bucket(Bucket=name)
    assert client.bucket_exists(Bucket=name) is False
    with pytest.raises(CosServiceError) as info:
        client.head_bucket(Bucket=name)
    assert_cos_error(info.value, 404, "NoSuchResource", "The Resource You Head Not Exist", head=True)
    with pytest.raises(CosServiceError) as info:
        client.list_objects(Bucket=name)
    assert_cos_error(info.value, 404, "NoSuchBucket", "The specified bucket does not exist.")


def test_list_buckets_with_service_domain(emu: RunningEmulator, other_bucket: str) -> None:
    service = CosS3Client(ip_config(emu, ServiceDomain=f"127.0.0.1:{emu.port}"), retry=0)
    names = [b["Name"] for b in service.list_buckets()["Buckets"]["Bucket"]]
    assert emu.bucket in names
    assert other_bucket in names


def test_get_bucket_location(client: CosS3Client, emu: RunningEmulator) -> None:
    assert client.get_bucket_location(Bucket=emu.bucket)["LocationConstraint"] == emu.region


# --- more SDK paths: empty objects, streamed bodies, resumed uploads, multipart copy -----------------


def test_empty_object(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    result = put(cos, emu.bucket, key, b"")
    assert result["ETag"] == f'"{md5_hex(b"")}"'
    assert result["x-cos-hash-crc64ecma"] == "0"
    head = cos.head_object(Bucket=emu.bucket, Key=key)
    assert (head["Content-Length"], head["x-cos-hash-crc64ecma"]) == ("0", "0")
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key)) == b""


def test_streamed_body_of_unknown_length(cos: CosS3Client, emu: RunningEmulator, key: str) -> None:
    pieces = [os.urandom(40000) for _ in range(5)]
    # A generator has no length: requests sends it chunked and the SDK signs Transfer-Encoding.
    result = cos.put_object(Bucket=emu.bucket, Key=key, Body=(p for p in pieces))
    data = b"".join(pieces)
    assert result["ETag"] == f'"{md5_hex(data)}"'
    assert body_of(cos.get_object(Bucket=emu.bucket, Key=key)) == data


def test_upload_file_resumes_an_existing_upload(
    client: CosS3Client, emu: RunningEmulator, key: str, tmp_path: Path
) -> None:
    mib = 1024 * 1024
    data = os.urandom(3 * mib + 100)
    src = tmp_path / "resume.bin"
    src.write_bytes(data)
    # An earlier run got as far as part 1; upload_file finds the upload (ListMultipartUploads), checks the
    # part's ETag and size (ListParts) and sends only the rest.
    upload_id = client.create_multipart_upload(Bucket=emu.bucket, Key=key)["UploadId"]
    client.upload_part(Bucket=emu.bucket, Key=key, Body=data[:mib], PartNumber=1, UploadId=upload_id)
    parts_before = client.list_parts(Bucket=emu.bucket, Key=key, UploadId=upload_id)
    assert [p["PartNumber"] for p in parts_before["Part"]] == ["1"]
    # The journal is a ring (journal_size entries): mark where this call starts by request id, not by length,
    # which stops growing once the session has made more requests than the ring holds.
    last_id = list(emu.state.journal)[-1]["request_id"]
    result = client.upload_file(Bucket=emu.bucket, Key=key, LocalFilePath=str(src), PartSize=1)
    assert result["ETag"].strip('"').endswith("-4")
    entries = list(emu.state.journal)
    start = next(i for i, e in enumerate(entries) if e["request_id"] == last_id) + 1
    ops = [e["operation"] for e in entries[start:] if e["key"] in (key, None)]
    assert "InitiateMultipartUpload" not in ops
    assert ops.count("UploadPart") == 3
    assert md5_hex(body_of(client.get_object(Bucket=emu.bucket, Key=key))) == md5_hex(data)
    assert client.list_multipart_uploads(Bucket=emu.bucket, Prefix=key).get("Upload") is None


def test_upload_part_copy(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    # (The high-level `copy()` HEADs the source through a client of its own built from the region's
    # public endpoint, ignoring IP/Port, so it cannot reach any local server; its part calls can.)
    mib = 1024 * 1024
    data = os.urandom(2 * mib + 5)
    put(client, emu.bucket, key, data)
    target = key + ".copy"
    upload_id = client.create_multipart_upload(Bucket=emu.bucket, Key=target)["UploadId"]
    parts = []
    for number, (start, end) in enumerate([(0, mib - 1), (mib, len(data) - 1)], start=1):
        copied = client.upload_part_copy(
            Bucket=emu.bucket, Key=target, PartNumber=number, UploadId=upload_id,
            CopySource=_source(emu.bucket, key), CopySourceRange=f"bytes={start}-{end}",
        )  # fmt: skip
        assert copied["ETag"] == f'"{md5_hex(data[start : end + 1])}"'
        parts.append({"PartNumber": number, "ETag": copied["ETag"]})
    client.complete_multipart_upload(Bucket=emu.bucket, Key=target, UploadId=upload_id, MultipartUpload={"Part": parts})
    head = client.head_object(Bucket=emu.bucket, Key=target)
    assert head["ETag"].strip('"').endswith("-2")
    assert head["x-cos-hash-crc64ecma"] == crc64(data)
    assert md5_hex(body_of(client.get_object(Bucket=emu.bucket, Key=target))) == md5_hex(data)


def test_abort_multipart_upload(client: CosS3Client, emu: RunningEmulator, key: str) -> None:
    upload_id = client.create_multipart_upload(Bucket=emu.bucket, Key=key)["UploadId"]
    client.upload_part(Bucket=emu.bucket, Key=key, Body=b"p1", PartNumber=1, UploadId=upload_id)
    client.abort_multipart_upload(Bucket=emu.bucket, Key=key, UploadId=upload_id)
    with pytest.raises(CosServiceError) as info:
        client.list_parts(Bucket=emu.bucket, Key=key, UploadId=upload_id)
    assert_cos_error(info.value, 404, "NoSuchUpload", "The specified multipart upload does not exist.")
    assert client.object_exists(Bucket=emu.bucket, Key=key) is False
