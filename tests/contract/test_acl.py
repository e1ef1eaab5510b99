"""ACLs through the official Python SDK: bucket and object `?acl` round trips, the `x-cos-acl` /
`x-cos-grant-*` headers on PUT Object, PUT Bucket and initiate multipart, and their one effect here:
whether an unsigned GET/HEAD gets through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import assert_cos_error, assert_error, raw_request, unique
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.sdk

ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"
OWNER = "qcs::cam::uin/1250000000:uin/1250000000"
FRIEND = "qcs::cam::uin/100000000011:uin/100000000011"


@pytest.fixture
def bucket(emu: RunningEmulator, client: CosS3Client) -> str:
    """A fresh private bucket per test (ACLs are per bucket)."""
    name = f"{unique('acl')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name)
    return name


def anonymous(emu: RunningEmulator, bucket: str, key: str, method: str = "GET") -> int:
    return raw_request(emu, method, key, bucket=bucket, signed=False).status


def grants(acl: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for grant in acl["AccessControlList"]["Grant"]:
        grantee = grant["Grantee"]
        out.append((grantee["Type"], grantee.get("URI") or grantee.get("ID"), grant["Permission"]))
    return out


def test_bucket_acl_defaults_to_private_and_round_trips(client: CosS3Client, bucket: str) -> None:
    acl = client.get_bucket_acl(Bucket=bucket)
    assert acl["CannedACL"] == "private"
    assert acl["Owner"]["ID"] == OWNER
    assert grants(acl) == [("CanonicalUser", OWNER, "FULL_CONTROL")]
    client.put_bucket_acl(Bucket=bucket, ACL="public-read", GrantRead=f'id="{FRIEND}"')
    acl = client.get_bucket_acl(Bucket=bucket)
    assert acl["CannedACL"] == "public-read"
    assert grants(acl)[1:] == [("Group", ALL_USERS, "READ"), ("CanonicalUser", FRIEND, "READ")]
    client.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert client.get_bucket_acl(Bucket=bucket)["CannedACL"] == "public-read-write"


def test_bucket_acl_from_an_xml_body(client: CosS3Client, bucket: str) -> None:
    policy = {
        "Owner": {"ID": OWNER},
        "AccessControlList": {
            "Grant": [
                {
                    "Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "@xsi:type": "Group",
                                "URI": ALL_USERS},
                    "Permission": "READ",
                },
                {
                    "Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                "@xsi:type": "CanonicalUser", "ID": FRIEND},
                    "Permission": "WRITE",
                },
            ]
        },
    }  # fmt: skip
    client.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    acl = client.get_bucket_acl(Bucket=bucket)
    assert acl["CannedACL"] == "public-read"
    assert grants(acl)[1:] == [("Group", ALL_USERS, "READ"), ("CanonicalUser", FRIEND, "WRITE")]


def test_public_read_bucket_lets_anonymous_reads_through(
    emu: RunningEmulator, client: CosS3Client, bucket: str
) -> None:
    client.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    assert anonymous(emu, bucket, "doc.txt") == 403
    assert anonymous(emu, bucket, "doc.txt", "HEAD") == 403
    client.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous(emu, bucket, "doc.txt") == 200
    assert anonymous(emu, bucket, "doc.txt", "HEAD") == 200
    assert anonymous(emu, bucket, "missing.txt") == 404
    listing = raw_request(emu, "GET", "", bucket=bucket, signed=False)
    versions = raw_request(emu, "GET", "", params={"versions": ""}, bucket=bucket, signed=False)
    assert (listing.status, versions.status) == (200, 200)
    assert b"<Key>doc.txt</Key>" in listing.body and b"<Key>doc.txt</Key>" in versions.body
    # Reads only: an unsigned write is still refused.
    put = raw_request(emu, "PUT", "new.txt", bucket=bucket, body=b"x", signed=False)
    assert_error(put, 403, "AccessDenied")
    client.put_bucket_acl(Bucket=bucket, ACL="private")
    assert anonymous(emu, bucket, "doc.txt") == 403


def test_object_acl_overrides_the_bucket(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="open.txt", Body=b"open", ACL="public-read")
    client.put_object(Bucket=bucket, Key="plain.txt", Body=b"plain")
    assert client.get_object_acl(Bucket=bucket, Key="open.txt")["CannedACL"] == "public-read"
    plain = client.get_object_acl(Bucket=bucket, Key="plain.txt")
    assert plain["CannedACL"] == "default"
    assert grants(plain) == [("CanonicalUser", OWNER, "FULL_CONTROL")]
    assert (anonymous(emu, bucket, "open.txt"), anonymous(emu, bucket, "plain.txt")) == (200, 403)
    # A private object stays private in a public-read bucket; a default one follows the bucket.
    client.put_bucket_acl(Bucket=bucket, ACL="public-read")
    client.put_object_acl(Bucket=bucket, Key="open.txt", ACL="private")
    assert client.get_object_acl(Bucket=bucket, Key="open.txt")["CannedACL"] == "private"
    assert (anonymous(emu, bucket, "open.txt"), anonymous(emu, bucket, "plain.txt")) == (403, 200)
    client.put_object_acl(Bucket=bucket, Key="open.txt", ACL="default")
    assert anonymous(emu, bucket, "open.txt") == 200
    # The bytes and ETag are untouched by an ACL change.
    assert client.get_object(Bucket=bucket, Key="open.txt")["Body"].get_raw_stream().read() == b"open"


def test_acl_headers_on_create_bucket_and_multipart(emu: RunningEmulator, client: CosS3Client) -> None:
    name = f"{unique('aclpub')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name, ACL="public-read")
    assert client.get_bucket_acl(Bucket=name)["CannedACL"] == "public-read"
    upload = client.create_multipart_upload(Bucket=name, Key="big.bin", ACL="private", GrantRead=f'id="{FRIEND}"')
    etag = client.upload_part(Bucket=name, Key="big.bin", Body=b"part", PartNumber=1, UploadId=upload["UploadId"])
    client.complete_multipart_upload(
        Bucket=name, Key="big.bin", UploadId=upload["UploadId"],
        MultipartUpload={"Part": [{"PartNumber": 1, "ETag": etag["ETag"]}]},
    )  # fmt: skip
    acl = client.get_object_acl(Bucket=name, Key="big.bin")
    assert acl["CannedACL"] == "private"
    assert grants(acl)[1:] == [("CanonicalUser", FRIEND, "READ")]
    assert anonymous(emu, name, "big.bin") == 403


@pytest.mark.parametrize("where", ["put_object", "create_bucket", "put_object_acl", "put_bucket_acl"])
def test_bogus_acl_is_refused(client: CosS3Client, emu: RunningEmulator, bucket: str, where: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=b"keep")
    never = f"{unique('bogus')}-1250000000"
    calls = {
        "put_object": lambda: client.put_object(Bucket=bucket, Key="k", Body=b"new", ACL="bogus"),
        "create_bucket": lambda: client.create_bucket(Bucket=never, ACL="bogus"),
        "put_object_acl": lambda: client.put_object_acl(Bucket=bucket, Key="k", ACL="bogus"),
        "put_bucket_acl": lambda: client.put_bucket_acl(Bucket=bucket, ACL="bogus"),
    }
    with pytest.raises(CosServiceError) as info:
        calls[where]()
    assert_cos_error(info.value, 400, "InvalidArgument", "x-cos-acl value invalid:bogus")
    assert client.get_object(Bucket=bucket, Key="k")["Body"].get_raw_stream().read() == b"keep"
    assert client.bucket_exists(never) is False


def test_bad_acl_bodies_and_grants(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    for body in (b"<xml/>", b"<AccessControlPolicy><Owner/>", b"<AccessControlPolicy/>"):
        resp = raw_request(emu, "PUT", "", params={"acl": ""}, bucket=bucket, body=body)
        assert_error(resp, 400, "InvalidArgument")
    bad_permission = (
        b"<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee>"
        b"<Permission>OWN</Permission></Grant></AccessControlList></AccessControlPolicy>"
    )
    assert_error(raw_request(emu, "PUT", "", params={"acl": ""}, bucket=bucket, body=bad_permission), 400,
                 "InvalidArgument")  # fmt: skip
    resp = raw_request(emu, "PUT", "", params={"acl": ""}, bucket=bucket, body=b"")
    assert_error(resp, 400, "InvalidArgument")
    with pytest.raises(CosServiceError) as info:
        client.put_bucket_acl(Bucket=bucket, GrantRead="someone")
    assert_cos_error(info.value, 400, "InvalidArgument", "x-cos-grant-read value invalid:someone")
    assert client.get_bucket_acl(Bucket=bucket)["CannedACL"] == "private"


def test_deleting_a_bucket_removes_its_configuration(emu: RunningEmulator, client: CosS3Client) -> None:
    name = f"{unique('gone')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name, ACL="public-read")
    client.put_bucket_cors(
        Bucket=name, CORSConfiguration={"CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}]}
    )
    client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": {"Tag": [{"Key": "a", "Value": "b"}]}})
    client.put_bucket_versioning(Bucket=name, Status="Enabled")
    client.delete_bucket(Bucket=name)
    client.create_bucket(Bucket=name)
    assert client.get_bucket_acl(Bucket=name)["CannedACL"] == "private"
    assert client.get_bucket_versioning(Bucket=name) == {"VersioningConfiguration": None}
    for call, code in (
        (client.get_bucket_cors, "NoSuchCORSConfiguration"),
        (client.get_bucket_tagging, "NoSuchTagSet"),
    ):
        with pytest.raises(CosServiceError) as info:
            call(Bucket=name)
        assert_cos_error(info.value, 404, code)


def test_missing_object_and_bucket(client: CosS3Client, bucket: str) -> None:
    with pytest.raises(CosServiceError) as info:
        client.get_object_acl(Bucket=bucket, Key="nope")
    assert_cos_error(info.value, 404, "NoSuchKey")
    with pytest.raises(CosServiceError) as info:
        client.put_object_acl(Bucket=bucket, Key="nope", ACL="private")
    assert_cos_error(info.value, 404, "NoSuchKey")
    with pytest.raises(CosServiceError) as info:
        client.get_bucket_acl(Bucket="nobucket-1250000000")
    assert_cos_error(info.value, 404, "NoSuchBucket")


def test_acl_survives_a_restart(tmp_path: Path) -> None:
    settings: dict[str, Any] = {"storage": "disk", "data_dir": tmp_path / "data"}
    with running_emulator(**settings) as first:
        c = first.client()
        c.put_bucket_acl(Bucket=first.bucket, ACL="public-read")
        c.put_object(Bucket=first.bucket, Key="p", Body=b"1", ACL="private")
    with running_emulator(**settings) as second:
        c = second.client()
        assert c.get_bucket_acl(Bucket=second.bucket)["CannedACL"] == "public-read"
        assert c.get_object_acl(Bucket=second.bucket, Key="p")["CannedACL"] == "private"
