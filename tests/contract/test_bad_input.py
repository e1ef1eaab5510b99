"""Hostile and malformed input against a disk-mode emulator: keys that look like paths stay opaque keys,
bad bodies and headers get exact 4xx errors with complete `<Error>` bodies, nothing already stored changes,
and nothing ever answers 500."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import assert_error, ip_config, md5_hex, raw_request, unique
from qcloud_cos import CosS3Client

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

DOT_KEYS = ["../../x", "abc/../", "../x", "a//b", "./x"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("escape")


@pytest.fixture(scope="module")
def disk(root: Path) -> Iterator[RunningEmulator]:
    data_dir = root / "outer" / "data"
    data_dir.mkdir(parents=True)
    with running_emulator(storage="disk", data_dir=data_dir) as running:
        yield running


@pytest.fixture(autouse=True)
def no_server_errors(disk: RunningEmulator) -> Iterator[None]:
    seen = len(disk.state.journal)
    yield
    # 501 NotImplemented is a deliberate answer; 500 (or 502-504) would be a crash.
    failures = [e for e in list(disk.state.journal)[seen:] if e["status"] >= 500 and e["status"] != 501]
    assert not failures, failures


@pytest.fixture
def sdk(disk: RunningEmulator) -> CosS3Client:
    return CosS3Client(ip_config(disk), retry=0)


def listing(client: CosS3Client, bucket: str, prefix: str) -> list[tuple[str, str]]:
    result = client.list_objects(Bucket=bucket, Prefix=prefix)
    return [(c["Key"], c["ETag"]) for c in result.get("Contents", [])]


@pytest.fixture
def stored(disk: RunningEmulator, sdk: CosS3Client) -> Iterator[str]:
    """An object that every refused request below must leave exactly as it was (bytes and listing)."""
    prefix = unique("stored") + "/"
    key = prefix + "object.bin"
    data = os.urandom(100)
    sdk.put_object(Bucket=disk.bucket, Key=key, Body=data)
    before = listing(sdk, disk.bucket, prefix)
    yield key
    body = sdk.get_object(Bucket=disk.bucket, Key=key)["Body"].get_raw_stream().read()
    assert md5_hex(body) == md5_hex(data)
    assert listing(sdk, disk.bucket, prefix) == before


def tree(path: Path, skip: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(path):
        here = Path(dirpath)
        if here == skip or skip in here.parents:
            dirnames[:] = []
            continue
        found.update(str(here / name) for name in dirnames + filenames)
    return found


# --- keys that look like paths ---------------------------------------------------------------------


@pytest.mark.sdk
@pytest.mark.parametrize("key", DOT_KEYS)
def test_dot_keys_are_opaque(disk: RunningEmulator, sdk: CosS3Client, root: Path, key: str) -> None:
    data_dir = disk.settings.data_dir
    before, parent_before = tree(root, data_dir), set(os.listdir(root.parent))
    data = f"opaque {key}".encode()
    sdk.put_object(Bucket=disk.bucket, Key=key, Body=data)
    got = sdk.get_object(Bucket=disk.bucket, Key=key, KeySimplifyCheck=False)
    assert got["Body"].get_raw_stream().read() == data
    assert sdk.head_object(Bucket=disk.bucket, Key=key)["Content-Length"] == str(len(data))
    assert (key, f'"{md5_hex(data)}"') in listing(sdk, disk.bucket, key)
    assert tree(root, data_dir) == before, "something was written outside the data dir"
    assert set(os.listdir(root.parent)) == parent_before
    sdk.delete_object(Bucket=disk.bucket, Key=key)
    assert listing(sdk, disk.bucket, key) == []


def test_dot_keys_are_distinct(disk: RunningEmulator, sdk: CosS3Client) -> None:
    base = unique("dots") + "/"
    keys = [base + k for k in ("a/b", "a/./b", "a//b", "a/x/../b")]
    for k in keys:
        sdk.put_object(Bucket=disk.bucket, Key=k, Body=k.encode())
    for k in keys:
        body = sdk.get_object(Bucket=disk.bucket, Key=k, KeySimplifyCheck=False)["Body"].get_raw_stream().read()
        assert body == k.encode()
    assert [key for key, _ in listing(sdk, disk.bucket, base)] == sorted(keys)


# --- malformed bodies ----------------------------------------------------------------------------

NOT_WELL_FORMED = "The XML you provided was not well-formed: "
GARBAGE = [
    (b"not xml at all", NOT_WELL_FORMED + "syntax error: line 1, column 0."),
    (b"<CompleteMultipartUpload><Part>", NOT_WELL_FORMED + "no element found: line 1, column 31."),
    (b"\xff\xfe<\x00", NOT_WELL_FORMED + "unclosed token: line 1, column 1."),
]
DTD = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<Delete><Object><Key>&lol2;</Key></Object></Delete>"
)


@pytest.mark.parametrize(("body", "message"), GARBAGE)
def test_complete_multipart_garbage(
    disk: RunningEmulator, sdk: CosS3Client, stored: str, body: bytes, message: str
) -> None:
    upload_id = sdk.create_multipart_upload(Bucket=disk.bucket, Key=stored)["UploadId"]
    resp = raw_request(disk, "POST", stored, params={"uploadId": upload_id}, body=body)
    assert_error(resp, 400, "MalformedXML", message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        *GARBAGE,
        (DTD, "DTDs and entities are not allowed in request bodies."),
        (b"<Delete></Delete>", "<Delete> lists no objects."),
    ],
)
def test_multi_delete_garbage(disk: RunningEmulator, stored: str, body: bytes, message: str) -> None:
    resp = raw_request(disk, "POST", "", params={"delete": ""}, body=body)
    assert_error(resp, 400, "MalformedXML", message)


# --- bad headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-1", "bytes=-"])
def test_malformed_range(disk: RunningEmulator, stored: str, header: str) -> None:
    resp = raw_request(disk, "GET", stored, headers={"Range": header})
    assert_error(resp, 400, "InvalidArgument", f"The Range header {header!r} is malformed; expected bytes=start-end.")


def test_backwards_range(disk: RunningEmulator, stored: str) -> None:
    resp = raw_request(disk, "GET", stored, headers={"Range": "bytes=5-2"})
    assert_error(resp, 400, "InvalidArgument", "The Range header 'bytes=5-2' ends before it starts.")


def test_unsatisfiable_range(disk: RunningEmulator, stored: str) -> None:
    resp = raw_request(disk, "GET", stored, headers={"Range": "bytes=999-"})
    assert_error(resp, 416, "InvalidRange", "The range 'bytes=999-' is not satisfiable for 100 bytes.")


def test_wrong_content_md5(disk: RunningEmulator, stored: str) -> None:
    wrong = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    resp = raw_request(disk, "PUT", stored, headers={"Content-MD5": wrong}, body=b"replacement")
    message = f"Content-MD5 is {md5_hex(b'something else')} but the body's MD5 is {md5_hex(b'replacement')}."
    assert_error(resp, 400, "BadDigest", message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!!not-base64!!!", "Content-MD5 '!!!not-base64!!!' is not valid base64."),
        ("c2hvcnQ=", "Content-MD5 'c2hvcnQ=' does not decode to 16 bytes."),
    ],
)
def test_invalid_content_md5(disk: RunningEmulator, stored: str, value: str, message: str) -> None:
    resp = raw_request(disk, "PUT", stored, headers={"Content-MD5": value}, body=b"replacement")
    assert_error(resp, 400, "InvalidDigest", message)


def test_incomplete_multipart_part_md5(disk: RunningEmulator, sdk: CosS3Client, stored: str) -> None:
    upload_id = sdk.create_multipart_upload(Bucket=disk.bucket, Key=stored)["UploadId"]
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    resp = raw_request(
        disk, "PUT", stored, params={"partNumber": "1", "uploadId": upload_id}, headers={"Content-MD5": wrong},
        body=b"part one",
    )  # fmt: skip
    assert_error(
        resp, 400, "BadDigest", f"Content-MD5 is {md5_hex(b'other')} but the body's MD5 is {md5_hex(b'part one')}."
    )


# --- bad targets and operations --------------------------------------------------------------------


def test_empty_key_put_is_put_bucket(disk: RunningEmulator, stored: str) -> None:
    resp = raw_request(disk, "PUT", "", body=b"")
    assert_error(
        resp, 409, "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
    )  # fmt: skip


@pytest.mark.sdk
def test_key_length_limit(disk: RunningEmulator, sdk: CosS3Client) -> None:
    longest = unique("long") + "/"
    longest += "键" * ((850 - len(longest)) // 3)
    longest += "k" * (850 - len(longest.encode()))
    assert len(longest.encode()) == 850
    sdk.put_object(Bucket=disk.bucket, Key=longest, Body=b"850")
    assert sdk.get_object(Bucket=disk.bucket, Key=longest)["Body"].get_raw_stream().read() == b"850"
    resp = raw_request(disk, "PUT", longest + "k", body=b"851")
    assert_error(resp, 400, "KeyTooLong", "Object keys are limited to 850 bytes of UTF-8.")


def test_undecodable_path(disk: RunningEmulator) -> None:
    message = "The request path is not valid percent-encoded UTF-8."
    assert_error(raw_request(disk, "GET", raw_path="/%ff", signed=False), 400, "InvalidURI", message)
    assert_error(raw_request(disk, "GET", raw_path="/a%c3%28b", signed=False), 400, "InvalidURI", message)


def test_undecodable_query(disk: RunningEmulator, stored: str) -> None:
    resp = raw_request(disk, "GET", raw_path="/" + stored + "?prefix=%ff", signed=False)
    assert_error(resp, 400, "InvalidURI", "The query string is not valid percent-encoded UTF-8.")


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_unknown_subresource(disk: RunningEmulator, stored: str, method: str) -> None:
    resp = raw_request(disk, method, stored, params={"select": ""}, body=b"" if method == "PUT" else None)
    assert_error(resp, 501, "NotImplemented", "The ?select sub-resource is not implemented by the emulator.")


def test_post_on_object(disk: RunningEmulator, stored: str) -> None:
    resp = raw_request(disk, "POST", stored, body=b"")
    assert_error(
        resp, 405, "MethodNotAllowed", "POST is not allowed on an object; allowed: DELETE, GET, HEAD, OPTIONS, PUT."
    )
    assert resp.header("Allow")


def test_complete_with_missing_part(disk: RunningEmulator, sdk: CosS3Client, stored: str) -> None:
    upload_id = sdk.create_multipart_upload(Bucket=disk.bucket, Key=stored)["UploadId"]
    etag = sdk.upload_part(Bucket=disk.bucket, Key=stored, Body=b"only part", PartNumber=1, UploadId=upload_id)["ETag"]
    body = (
        "<CompleteMultipartUpload>"
        f"<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
        f'<Part><PartNumber>2</PartNumber><ETag>"{md5_hex(b"never uploaded")}"</ETag></Part>'
        "</CompleteMultipartUpload>"
    ).encode()
    resp = raw_request(disk, "POST", stored, params={"uploadId": upload_id}, body=body)
    assert_error(resp, 400, "InvalidPart", "One or more of the specified parts could not be found.")


def test_unknown_upload_id(disk: RunningEmulator, stored: str) -> None:
    params = {"partNumber": "1", "uploadId": "no-such-upload"}
    message = "The specified multipart upload does not exist."
    assert_error(raw_request(disk, "PUT", stored, params=params, body=b"x"), 404, "NoSuchUpload", message)
    resp = raw_request(disk, "GET", stored, params={"uploadId": "no-such-upload"})
    assert_error(resp, 404, "NoSuchUpload", message)
    body = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
    resp = raw_request(disk, "POST", stored, params={"uploadId": "no-such-upload"}, body=body)
    assert_error(resp, 404, "NoSuchUpload", "The specified multipart upload does not exist.")
    resp = raw_request(disk, "DELETE", stored, params={"uploadId": "no-such-upload"})
    assert_error(resp, 404, "NoSuchUpload", message)
