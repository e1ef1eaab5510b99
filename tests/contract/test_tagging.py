"""Tagging through the official Python SDK: object and bucket `?tagging` round trips, `x-cos-tagging` on
uploads, `x-cos-tagging-count` on GET/HEAD, per-version tags, and COS's limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import assert_cos_error, assert_error, raw_request, unique
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk


def tagset(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"TagSet": {"Tag": [{"Key": k, "Value": v} for k, v in pairs]}}


def listed(result: dict[str, object]) -> list[tuple[str, str]]:
    return [(t["Key"], t["Value"]) for t in result["TagSet"]["Tag"]]  # type: ignore[index]


def error_of(call: Callable[[], object]) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


@pytest.fixture
def bucket(emu: RunningEmulator, client: CosS3Client) -> str:
    name = f"{unique('tags')}-{emu.settings.appid}"
    client.create_bucket(Bucket=name)
    return name


def test_object_tagging_round_trip(client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="doc.pdf", Body=b"pdf")
    assert_cos_error(error_of(lambda: client.get_object_tagging(Bucket=bucket, Key="doc.pdf")), 404, "NoSuchTagSet")
    assert "x-cos-tagging-count" not in client.head_object(Bucket=bucket, Key="doc.pdf")
    client.put_object_tagging(Bucket=bucket, Key="doc.pdf", Tagging=tagset(("team", "报表"), ("year", "2024")))
    assert listed(client.get_object_tagging(Bucket=bucket, Key="doc.pdf")) == [("team", "报表"), ("year", "2024")]
    assert client.head_object(Bucket=bucket, Key="doc.pdf")["x-cos-tagging-count"] == "2"
    assert client.get_object(Bucket=bucket, Key="doc.pdf")["x-cos-tagging-count"] == "2"
    etag = client.head_object(Bucket=bucket, Key="doc.pdf")["ETag"]
    client.delete_object_tagging(Bucket=bucket, Key="doc.pdf")
    assert_cos_error(error_of(lambda: client.get_object_tagging(Bucket=bucket, Key="doc.pdf")), 404, "NoSuchTagSet")
    assert client.head_object(Bucket=bucket, Key="doc.pdf")["ETag"] == etag


def test_tags_on_upload_copy_and_multipart(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="a", Body=b"a", Tagging="k1=v1&k%202=v%2B2")
    assert listed(client.get_object_tagging(Bucket=bucket, Key="a")) == [("k1", "v1"), ("k 2", "v+2")]
    source = {"Bucket": bucket, "Key": "a", "Region": "ap-guangzhou"}
    client.copy_object(Bucket=bucket, Key="copied", CopySource=source)
    assert listed(client.get_object_tagging(Bucket=bucket, Key="copied")) == [("k1", "v1"), ("k 2", "v+2")]
    # The Python SDK has no TaggingDirective parameter; the header as COS documents it.
    copy_headers = {"x-cos-copy-source": f"{bucket}.cos.ap-guangzhou.myqcloud.com/a", "x-cos-tagging": "only=this",
                    "x-cos-tagging-directive": "Replaced"}  # fmt: skip
    assert raw_request(emu, "PUT", "retagged", bucket=bucket, headers=copy_headers, body=b"").status == 200
    assert listed(client.get_object_tagging(Bucket=bucket, Key="retagged")) == [("only", "this")]
    upload = client.create_multipart_upload(Bucket=bucket, Key="big", Tagging="m=1")
    part = client.upload_part(Bucket=bucket, Key="big", Body=b"x", PartNumber=1, UploadId=upload["UploadId"])
    client.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload["UploadId"],
        MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )  # fmt: skip
    assert client.head_object(Bucket=bucket, Key="big")["x-cos-tagging-count"] == "1"


def test_object_tag_limits(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=b"k", Tagging="keep=me")
    too_many = tagset(*[(f"k{i}", "v") for i in range(11)])
    assert_cos_error(error_of(lambda: client.put_object_tagging(Bucket=bucket, Key="k", Tagging=too_many)), 400,
                     "BadRequest")  # fmt: skip
    for bad in (tagset(("", "v")), tagset(("k" * 129, "v")), tagset(("k", "v" * 257)), tagset(("a", "1"), ("a", "2")),
                tagset(("bad<key", "v"))):  # fmt: skip
        assert_cos_error(error_of(lambda b=bad: client.put_object_tagging(Bucket=bucket, Key="k", Tagging=b)), 400,
                         "InvalidTag")  # fmt: skip
    assert_cos_error(error_of(lambda: client.put_object(Bucket=bucket, Key="k2", Body=b"x", Tagging="&".join(
        f"t{i}=v" for i in range(11)))), 400, "BadRequest")  # fmt: skip
    malformed = raw_request(emu, "PUT", "k", params={"tagging": ""}, bucket=bucket, body=b"<Tagging><TagSet>")
    assert_error(malformed, 400, "MalformedXML")
    assert listed(client.get_object_tagging(Bucket=bucket, Key="k")) == [("keep", "me")]
    assert_cos_error(error_of(lambda: client.head_object(Bucket=bucket, Key="k2")), 404, "NoSuchResource", head=True)
    assert_cos_error(error_of(lambda: client.get_object_tagging(Bucket=bucket, Key="none")), 404, "NoSuchKey")


def test_bucket_tagging_round_trip_and_limits(client: CosS3Client, bucket: str) -> None:
    assert_cos_error(error_of(lambda: client.get_bucket_tagging(Bucket=bucket)), 404, "NoSuchTagSet")
    client.put_bucket_tagging(Bucket=bucket, Tagging=tagset(("env", "test"), ("owner", "ocr team")))
    assert listed(client.get_bucket_tagging(Bucket=bucket)) == [("env", "test"), ("owner", "ocr team")]
    fifty_one = tagset(*[(f"k{i}", "v") for i in range(51)])
    assert_cos_error(error_of(lambda: client.put_bucket_tagging(Bucket=bucket, Tagging=fifty_one)), 400, "BadRequest")
    client.put_bucket_tagging(Bucket=bucket, Tagging=tagset(*[(f"k{i}", "v") for i in range(50)]))
    assert len(listed(client.get_bucket_tagging(Bucket=bucket))) == 50
    client.delete_bucket_tagging(Bucket=bucket)
    assert_cos_error(error_of(lambda: client.get_bucket_tagging(Bucket=bucket)), 404, "NoSuchTagSet")
