"""Bucket policy through the official Python SDK: JSON round trip, validation, and the public-read shape
(anonymous `cos:GetObject` on a prefix) letting unsigned reads through, with a Deny winning."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import REGION, assert_cos_error, assert_error, raw_request, unique
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk

APPID = "1250000000"


def error_of(call: Callable[[], object]) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


def public_prefix(bucket: str, prefix: str, actions: list[str], effect: str = "Allow") -> dict[str, Any]:
    """The shape the COS console writes for "public read on a folder"."""
    return {
        "version": "2.0",
        "Statement": [
            {
                "Principal": {"qcs": ["qcs::cam::anyone:anyone"]},
                "Effect": effect,
                "Action": [f"name/cos:{a}" for a in actions],
                "Resource": [f"qcs::cos:{REGION}:uid/{APPID}:{bucket}/{prefix}*"],
            }
        ],
    }


@pytest.fixture
def bucket(emu: RunningEmulator, client: CosS3Client) -> str:
    name = f"{unique('pol')}-{APPID}"
    client.create_bucket(Bucket=name)
    return name


def anonymous(emu: RunningEmulator, bucket: str, key: str, method: str = "GET") -> int:
    return raw_request(emu, method, key, bucket=bucket, signed=False).status


def test_round_trip_and_delete(client: CosS3Client, bucket: str) -> None:
    assert_cos_error(error_of(lambda: client.get_bucket_policy(Bucket=bucket)), 404, "NoSuchPolicy")
    policy = public_prefix(bucket, "public/", ["GetObject", "HeadObject"])
    client.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    # Other principals are stored and returned as sent, even though only "anyone" takes effect.
    other = {"Statement": [{"Principal": {"qcs": ["qcs::cam::uin/100000000011:uin/100000000011"]},
                            "Effect": "Allow", "Action": ["name/cos:*"], "Resource": ["*"]}]}  # fmt: skip
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(other))
    assert json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]) == other
    client.delete_bucket_policy(Bucket=bucket)
    assert_cos_error(error_of(lambda: client.get_bucket_policy(Bucket=bucket)), 404, "NoSuchPolicy")


def test_public_prefix_admits_anonymous_reads(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="public/logo.png", Body=b"png")
    client.put_object(Bucket=bucket, Key="private/report.pdf", Body=b"pdf")
    assert anonymous(emu, bucket, "public/logo.png") == 403
    client.put_bucket_policy(Bucket=bucket, Policy=public_prefix(bucket, "public/", ["GetObject"]))
    assert anonymous(emu, bucket, "public/logo.png") == 200
    assert anonymous(emu, bucket, "public/missing.png") == 404
    assert anonymous(emu, bucket, "private/report.pdf") == 403
    assert anonymous(emu, bucket, "public/logo.png", "HEAD") == 403  # HeadObject was not granted
    client.put_bucket_policy(Bucket=bucket, Policy=public_prefix(bucket, "public/", ["GetObject", "HeadObject"]))
    assert anonymous(emu, bucket, "public/logo.png", "HEAD") == 200
    assert_error(raw_request(emu, "PUT", "public/new.png", bucket=bucket, body=b"x", signed=False), 403,
                 "AccessDenied")  # fmt: skip
    client.delete_bucket_policy(Bucket=bucket)
    assert anonymous(emu, bucket, "public/logo.png") == 403


def test_a_conditional_allow_admits_nobody(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="public/a.txt", Body=b"a")
    policy = public_prefix(bucket, "public/", ["GetObject"])
    policy["Statement"][0]["Condition"] = {"ip_equal": {"qcs:ip": ["10.0.0.0/8"]}}
    client.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert anonymous(emu, bucket, "public/a.txt") == 403


def test_lower_case_effect_and_element_names(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    """COS's own PUT Bucket policy page and the Node SDK's example write `"Effect": "allow"`, and CAM's policy
    syntax spells its elements in lower case (`statement`, `effect`, ...): both are policies COS takes."""
    client.put_object(Bucket=bucket, Key="public/a.txt", Body=b"a")
    client.put_object(Bucket=bucket, Key="secret/b.txt", Body=b"b")
    documented = public_prefix(bucket, "public/", ["GetObject"], effect="allow")
    client.put_bucket_policy(Bucket=bucket, Policy=documented)
    assert json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]) == documented
    assert anonymous(emu, bucket, "public/a.txt") == 200
    cam = {"version": "2.0", "statement": [
        {"principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "effect": "allow", "action": ["name/cos:GetObject"],
         "resource": [f"qcs::cos:{REGION}:uid/{APPID}:{bucket}/*"]},
        {"principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "effect": "deny", "action": ["name/cos:GetObject"],
         "resource": [f"qcs::cos:{REGION}:uid/{APPID}:{bucket}/secret/*"]},
    ]}  # fmt: skip
    client.put_bucket_policy(Bucket=bucket, Policy=cam)
    assert anonymous(emu, bucket, "public/a.txt") == 200
    assert anonymous(emu, bucket, "secret/b.txt") == 403  # the lower-case deny wins


def test_deny_beats_a_public_acl(emu: RunningEmulator, client: CosS3Client, bucket: str) -> None:
    client.put_bucket_acl(Bucket=bucket, ACL="public-read")
    client.put_object(Bucket=bucket, Key="secret/key.txt", Body=b"k")
    client.put_object(Bucket=bucket, Key="open.txt", Body=b"o")
    client.put_bucket_policy(Bucket=bucket, Policy=public_prefix(bucket, "secret/", ["GetObject"], effect="Deny"))
    assert anonymous(emu, bucket, "secret/key.txt") == 403
    assert anonymous(emu, bucket, "open.txt") == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"Statement": []}',
        b'{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "cos:*", "Resource": "*"}]}',
        b'{"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*"}]}',
        b'{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "cos:*", "Resource": "*"}], '
        b'"statement": [{"Effect": "Allow", "Principal": "*", "Action": "cos:*", "Resource": "*"}]}',  # twice
    ],
)
def test_malformed_policies_are_refused(emu: RunningEmulator, client: CosS3Client, bucket: str, body: bytes) -> None:
    resp = raw_request(emu, "PUT", "", params={"policy": ""}, bucket=bucket, body=body,
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert_error(resp, 400, "MalformedPolicy")
    assert_cos_error(error_of(lambda: client.get_bucket_policy(Bucket=bucket)), 404, "NoSuchPolicy")
