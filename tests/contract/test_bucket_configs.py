"""Bucket configuration sub-resources through the real Python SDK: GET before PUT is the COS 404 the SDKs key
on, PUT then GET round-trips, bad values get the COS error and leave the stored document alone, DELETE
removes it, and documents survive a restart. Malformed XML goes in raw (the SDK only builds valid XML)."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_cos_error, assert_error, ip_config, raw_request
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.sdk


@pytest.fixture
def bucket(emu: RunningEmulator) -> Iterator[str]:
    """A fresh bucket per test: configurations are per bucket and must not leak between tests."""
    name = f"cfg-{uuid.uuid4().hex[:10]}-{emu.settings.appid}"
    client = CosS3Client(ip_config(emu), retry=0)
    client.create_bucket(Bucket=name)
    yield name


def missing(call: Callable[[], Any], code: str) -> None:
    with pytest.raises(CosServiceError) as info:
        call()
    assert_cos_error(info.value, 404, code)


def refused(call: Callable[[], Any], status: int, code: str) -> CosServiceError:
    with pytest.raises(CosServiceError) as info:
        call()
    return assert_cos_error(info.value, status, code)


def raw_put(emu: RunningEmulator, bucket: str, sub: str, body: bytes, **params: str) -> Any:
    return raw_request(emu, "PUT", bucket=bucket, params={sub: "", **params}, body=body)


# --- referer -----------------------------------------------------------------------------------------
REFERER = {
    "Status": "Enabled",
    "RefererType": "White-List",
    "DomainList": {"Domain": ["*.example.com", "static.example.org"]},
    "EmptyReferConfiguration": "Deny",
}


def test_referer_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_referer(Bucket=bucket), "NoSuchRefererConfiguration")
    client.put_bucket_referer(Bucket=bucket, RefererConfiguration=REFERER)
    assert client.get_bucket_referer(Bucket=bucket) == REFERER
    bad = {**REFERER, "RefererType": "Grey-List"}
    refused(lambda: client.put_bucket_referer(Bucket=bucket, RefererConfiguration=bad), 400, "InvalidArgument")
    no_domains = {"Status": "Enabled", "RefererType": "White-List"}
    refused(lambda: client.put_bucket_referer(Bucket=bucket, RefererConfiguration=no_domains), 400, "InvalidArgument")
    assert client.get_bucket_referer(Bucket=bucket) == REFERER  # a refused PUT leaves the old one
    client.delete_bucket_referer(Bucket=bucket)
    missing(lambda: client.get_bucket_referer(Bucket=bucket), "NoSuchRefererConfiguration")


@pytest.mark.parametrize(
    "body",
    [
        b"<RefererConfiguration><Status>Enabled</Status>",  # not well-formed
        b"<Referer><Status>Enabled</Status></Referer>",  # wrong root
        b"<RefererConfiguration><RefererType>White-List</RefererType></RefererConfiguration>",  # no Status
        b"<RefererConfiguration><Status>Enabled</Status><Status>Enabled</Status>"
        b"<RefererType>White-List</RefererType></RefererConfiguration>",  # Status twice
        b"<RefererConfiguration><Status>Enabled</Status><RefererType>White-List</RefererType>"
        b"<Bogus/></RefererConfiguration>",  # unknown element
        b'<!DOCTYPE x [<!ENTITY a "b">]><RefererConfiguration/>',  # DTD
    ],
)
def test_malformed_configuration_xml(emu: RunningEmulator, bucket: str, body: bytes) -> None:
    assert_error(raw_put(emu, bucket, "referer", body), 400, "MalformedXML")


VALID_BODIES = {
    "lifecycle": b"<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter/><Expiration><Days>1"
    b"</Days></Expiration></Rule></LifecycleConfiguration>",
    "acl": b"<AccessControlPolicy><Owner><ID>qcs::cam::uin/1250000000:uin/1250000000</ID></Owner><AccessControlList>"
    b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>'
    b"qcs::cam::uin/1250000000:uin/1250000000</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
    b"</AccessControlList></AccessControlPolicy>",
    "cors": b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
    b"</CORSRule></CORSConfiguration>",
    "tagging": b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>",
    "versioning": b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    "policy": b'{"Statement": [{"Principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "Effect": "Allow", '
    b'"Action": ["name/cos:GetObject"], "Resource": ["*"]}]}',
}
WRONG_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="  # the MD5 of an empty body


@pytest.mark.parametrize("sub", sorted(VALID_BODIES))
def test_configuration_put_checks_content_md5(emu: RunningEmulator, bucket: str, sub: str) -> None:
    """Every configuration PUT is held to its Content-MD5 (the SDKs always send one): a body that does not
    match is 400 BadDigest and nothing is stored; the right one is accepted."""
    body = VALID_BODIES[sub]
    resp = raw_request(emu, "PUT", bucket=bucket, params={sub: ""}, body=body, headers={"Content-MD5": WRONG_MD5})
    assert_error(resp, 400, "BadDigest")
    if sub not in ("acl", "versioning"):  # those two always answer something
        assert raw_request(emu, "GET", bucket=bucket, params={sub: ""}).status == 404
    right = base64.b64encode(hashlib.md5(body).digest()).decode()
    ok = raw_request(emu, "PUT", bucket=bucket, params={sub: ""}, body=body, headers={"Content-MD5": right})
    assert ok.status in (200, 204), ok.body


@pytest.mark.parametrize("sub", ["acl", "tagging"])
def test_object_configuration_put_checks_content_md5(emu: RunningEmulator, bucket: str, sub: str) -> None:
    raw_request(emu, "PUT", "doc.txt", bucket=bucket, body=b"doc")
    resp = raw_request(
        emu, "PUT", "doc.txt", bucket=bucket, params={sub: ""}, body=VALID_BODIES[sub],
        headers={"Content-MD5": WRONG_MD5},
    )  # fmt: skip
    assert_error(resp, 400, "BadDigest")
    if sub == "tagging":
        assert raw_request(emu, "GET", "doc.txt", bucket=bucket, params={sub: ""}).status == 404


def test_configuration_of_a_missing_bucket(client: CosS3Client, emu: RunningEmulator) -> None:
    gone = f"gone-{uuid.uuid4().hex[:8]}-{emu.settings.appid}"
    missing(lambda: client.get_bucket_lifecycle(Bucket=gone), "NoSuchBucket")
    missing(lambda: client.put_bucket_referer(Bucket=gone, RefererConfiguration=REFERER), "NoSuchBucket")


# --- encryption ----------------------------------------------------------------------------------------
def test_encryption_round_trip_and_sse_header(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_encryption(Bucket=bucket), "NoSuchEncryptionConfiguration")
    client.put_object(Bucket=bucket, Key="before", Body=b"plain")
    assert "x-cos-server-side-encryption" not in client.head_object(Bucket=bucket, Key="before")
    config = {"Rule": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=config)
    assert client.get_bucket_encryption(Bucket=bucket) == config
    put = client.put_object(Bucket=bucket, Key="after", Body=b"secret")
    assert put["x-cos-server-side-encryption"] == "AES256"
    assert client.head_object(Bucket=bucket, Key="after")["x-cos-server-side-encryption"] == "AES256"
    got = client.get_object(Bucket=bucket, Key="after")
    assert got["x-cos-server-side-encryption"] == "AES256"
    assert got["Body"].get_raw_stream().read() == b"secret"  # served in clear, as COS does
    bad = {"Rule": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]}
    refused(
        lambda: client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=bad),
        400,
        "InvalidArgument",
    )
    client.delete_bucket_encryption(Bucket=bucket)
    missing(lambda: client.get_bucket_encryption(Bucket=bucket), "NoSuchEncryptionConfiguration")
    assert "x-cos-server-side-encryption" not in client.put_object(Bucket=bucket, Key="later", Body=b"x")


def test_sse_through_multipart(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="AES256")
    part = client.upload_part(Bucket=bucket, Key="mp", Body=b"abc", PartNumber=1, UploadId=upload["UploadId"])
    done = client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
        MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )  # fmt: skip
    assert done["Key"] == "mp"
    assert client.head_object(Bucket=bucket, Key="mp")["x-cos-server-side-encryption"] == "AES256"


def test_sse_header_on_put_object(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    put = client.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")
    assert put["x-cos-server-side-encryption"] == "AES256"
    assert client.head_object(Bucket=bucket, Key="k")["x-cos-server-side-encryption"] == "AES256"
    refused(
        lambda: client.put_object(Bucket=bucket, Key="k2", Body=b"x", ServerSideEncryption="rot13"),
        400,
        "InvalidArgument",
    )
    assert not client.object_exists(Bucket=bucket, Key="k2")


# --- lifecycle ------------------------------------------------------------------------------------------
LIFECYCLE = {
    "Rule": [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": "30"}},
        {
            "ID": "cold",
            "Filter": {"And": {"Prefix": "data/", "Tag": {"Key": "tier", "Value": "cold"}}},
            "Status": "Disabled",
            "Transition": [{"Days": "60", "StorageClass": "ARCHIVE"}],
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "7"},
        },
    ]
}


def test_lifecycle_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_lifecycle(Bucket=bucket), "NoSuchLifecycleConfiguration")
    client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    assert client.get_bucket_lifecycle(Bucket=bucket) == LIFECYCLE
    for rule, status, code in [
        ({"ID": "x", "Status": "On", "Expiration": {"Days": "1"}}, 400, "InvalidArgument"),
        ({"ID": "x", "Status": "Enabled", "Expiration": {"Days": "0"}}, 400, "InvalidArgument"),
        ({"ID": "x", "Status": "Enabled", "Expiration": {"Date": "2030-01-01T12:00:00+08:00"}}, 400, "InvalidArgument"),
        ({"ID": "x", "Status": "Enabled"}, 400, "MalformedXML"),  # no action
        ({"ID": "x", "Status": "Enabled", "Transition": {"Days": "1", "StorageClass": "GOLD"}}, 400, "InvalidArgument"),
    ]:
        config = {"Rule": [rule]}
        refused(lambda c=config: client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration=c), status, code)
    twice = {"Rule": [LIFECYCLE["Rule"][0], LIFECYCLE["Rule"][0]]}
    refused(lambda: client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration=twice), 400, "InvalidArgument")
    assert client.get_bucket_lifecycle(Bucket=bucket) == LIFECYCLE
    client.delete_bucket_lifecycle(Bucket=bucket)
    missing(lambda: client.get_bucket_lifecycle(Bucket=bucket), "NoSuchLifecycleConfiguration")


def test_out_of_range_value_names_its_bound(client: CosS3Client, bucket: str) -> None:
    rule = {"ID": "x", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": "0"}}
    error = refused(
        lambda: client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rule": [rule]}),
        400,
        "InvalidArgument",
    )
    assert error.get_error_msg() == "<LifecycleConfiguration/Rule/Expiration/Days> must be at least 1, not 0."


# --- website --------------------------------------------------------------------------------------------
WEBSITE = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "error.html"},
    "RedirectAllRequestsTo": {"Protocol": "https"},
    "RoutingRules": [
        {
            "Condition": {"HttpErrorCodeReturnedEquals": "404"},
            "Redirect": {"Protocol": "https", "ReplaceKeyWith": "404.html"},
        },
        {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
    ],
}


def test_website_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_website(Bucket=bucket), "NoSuchWebsiteConfiguration")
    client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    assert client.get_bucket_website(Bucket=bucket) == WEBSITE
    no_index = {"ErrorDocument": {"Key": "error.html"}}
    refused(lambda: client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=no_index), 400, "MalformedXML")
    bad_code = {
        **WEBSITE,
        "RoutingRules": [{"Condition": {"HttpErrorCodeReturnedEquals": "200"}, "Redirect": {"Protocol": "https"}}],
    }
    refused(lambda: client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=bad_code), 400, "InvalidArgument")
    client.delete_bucket_website(Bucket=bucket)
    missing(lambda: client.get_bucket_website(Bucket=bucket), "NoSuchWebsiteConfiguration")


# --- logging --------------------------------------------------------------------------------------------
def test_logging_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    assert client.get_bucket_logging(Bucket=bucket) == {"BucketLoggingStatus": None}  # off: 200, empty
    status = {"LoggingEnabled": {"TargetBucket": emu.bucket, "TargetPrefix": "access/"}}
    client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)
    assert client.get_bucket_logging(Bucket=bucket) == status
    nowhere = {"LoggingEnabled": {"TargetBucket": f"nowhere-{emu.settings.appid}", "TargetPrefix": "x/"}}
    refused(
        lambda: client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=nowhere),
        400,
        "InvalidTargetBucketForLogging",
    )
    assert client.get_bucket_logging(Bucket=bucket) == status
    client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})  # switching logging off
    assert client.get_bucket_logging(Bucket=bucket) == {"BucketLoggingStatus": None}


# --- inventory ------------------------------------------------------------------------------------------
def inventory(emu: RunningEmulator, bucket: str) -> dict[str, Any]:
    return {
        "Destination": {
            "COSBucketDestination": {
                "Bucket": f"qcs::cos:{emu.region}::{bucket}",
                "Format": "CSV",
                "Prefix": "inventory",
            }
        },
        "IsEnabled": "true",
        "Filter": {"Prefix": "photos/"},
        "IncludedObjectVersions": "Current",
        "OptionalFields": {"Field": ["Size", "ETag", "StorageClass"]},
        "Schedule": {"Frequency": "Weekly"},
    }


def test_inventory_round_trip_and_list(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_inventory(Bucket=bucket, Id="daily"), "NoSuchInventoryConfiguration")
    assert client.list_bucket_inventory_configurations(Bucket=bucket) == {"IsTruncated": "false"}
    for ident in ("weekly", "audit"):
        client.put_bucket_inventory(Bucket=bucket, Id=ident, InventoryConfiguration=inventory(emu, bucket))
    got = client.get_bucket_inventory(Bucket=bucket, Id="weekly")
    assert got == {**inventory(emu, bucket), "Id": "weekly"}
    listed = client.list_bucket_inventory_configurations(Bucket=bucket)
    assert [c["Id"] for c in listed["InventoryConfiguration"]] == ["audit", "weekly"]
    assert listed["IsTruncated"] == "false"
    bad = {**inventory(emu, bucket), "Schedule": {"Frequency": "Hourly"}}
    refused(
        lambda: client.put_bucket_inventory(Bucket=bucket, Id="bad", InventoryConfiguration=bad), 400, "InvalidArgument"
    )
    bad_dest = {**inventory(emu, bucket), "Destination": {"COSBucketDestination": {"Bucket": bucket, "Format": "CSV"}}}
    refused(
        lambda: client.put_bucket_inventory(Bucket=bucket, Id="bad", InventoryConfiguration=bad_dest),
        400,
        "InvalidArgument",
    )
    client.delete_bucket_inventory(Bucket=bucket, Id="weekly")
    missing(lambda: client.get_bucket_inventory(Bucket=bucket, Id="weekly"), "NoSuchInventoryConfiguration")
    listed = client.list_bucket_inventory_configurations(Bucket=bucket)
    assert listed["InventoryConfiguration"]["Id"] == "audit"


def test_inventory_without_optional_fields_reads_back(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    """The Python SDK's get_bucket_inventory indexes `OptionalFields` unconditionally: a configuration put
    without any must still read back through it (as an empty field list)."""
    bare = {key: value for key, value in inventory(emu, bucket).items() if key != "OptionalFields"}
    client.put_bucket_inventory(Bucket=bucket, Id="bare", InventoryConfiguration=bare)
    got = client.get_bucket_inventory(Bucket=bucket, Id="bare")
    assert got == {**bare, "Id": "bare", "OptionalFields": None}
    listed = client.list_bucket_inventory_configurations(Bucket=bucket)["InventoryConfiguration"]
    assert listed["Id"] == "bare" and listed["OptionalFields"] is None


def test_inventory_id_must_match_the_query(emu: RunningEmulator, bucket: str) -> None:
    body = (
        b"<InventoryConfiguration><Id>one</Id><IsEnabled>true</IsEnabled><IncludedObjectVersions>All"
        b"</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule><Destination>"
        b"<COSBucketDestination><Format>CSV</Format><Bucket>qcs::cos:ap-guangzhou::" + bucket.encode()
        + b"</Bucket></COSBucketDestination></Destination></InventoryConfiguration>"
    )  # fmt: skip
    assert_error(raw_put(emu, bucket, "inventory", body, id="two"), 400, "InvalidArgument")
    assert raw_put(emu, bucket, "inventory", body, id="one").status == 200


def test_post_bucket_inventory(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    job = {key: value for key, value in inventory(emu, bucket).items() if key not in ("IsEnabled", "Schedule")}
    client.post_bucket_inventory(Bucket=bucket, Id="once", InventoryConfiguration=job)
    bad = {**job, "IncludedObjectVersions": "Some"}
    refused(
        lambda: client.post_bucket_inventory(Bucket=bucket, Id="once", InventoryConfiguration=bad),
        400,
        "InvalidArgument",
    )


# --- domains --------------------------------------------------------------------------------------------
def test_domain_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_domain(Bucket=bucket), "NoSuchDomainConfiguration")
    config = {"DomainRule": [{"Status": "ENABLED", "Name": "files.example.com", "Type": "REST"},
                             {"Status": "DISABLED", "Name": "www.example.com", "Type": "WEBSITE"}]}  # fmt: skip
    client.put_bucket_domain(Bucket=bucket, DomainConfiguration=config)
    assert client.get_bucket_domain(Bucket=bucket) == config
    bad = {"DomainRule": [{"Status": "ENABLED", "Name": "not a domain", "Type": "REST"}]}
    refused(lambda: client.put_bucket_domain(Bucket=bucket, DomainConfiguration=bad), 400, "InvalidArgument")
    client.delete_bucket_domain(Bucket=bucket)
    missing(lambda: client.get_bucket_domain(Bucket=bucket), "NoSuchDomainConfiguration")


def self_signed(tmp_path: Path) -> tuple[str, str]:
    """A throwaway certificate made here with the openssl CLI (valid 2 days from now)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=files.example.com",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return (tmp_path / "cert.pem").read_text(), (tmp_path / "key.pem").read_text()


def test_domain_certificate_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str, tmp_path: Path) -> None:
    missing(
        lambda: client.get_bucket_domain_certificate(Bucket=bucket, DomainName="files.example.com"),
        "NoSuchDomainCertificate",
    )
    cert, key = self_signed(tmp_path)
    config = {
        "CertificateInfo": {"CertType": "CustomCert", "CustomCert": {"Cert": cert, "PrivateKey": key}},
        "DomainList": {"DomainName": "files.example.com"},
    }
    client.put_bucket_domain_certificate(Bucket=bucket, DomainCertificateConfiguration=config)
    got = client.get_bucket_domain_certificate(Bucket=bucket, DomainName="files.example.com")
    assert got["Status"] == "Enabled"
    begin, expire = int(got["CertificateInfo"]["ValidityBegin"]), int(got["CertificateInfo"]["ValidityExpire"])
    assert 2 * 86400 - 5 <= expire - begin <= 2 * 86400 + 5
    garbage = {
        **config,
        "CertificateInfo": {"CertType": "CustomCert", "CustomCert": {"Cert": "hello", "PrivateKey": key}},
    }
    refused(
        lambda: client.put_bucket_domain_certificate(Bucket=bucket, DomainCertificateConfiguration=garbage),
        400,
        "InvalidArgument",
    )
    client.delete_bucket_domain_certificate(Bucket=bucket, DomainName="files.example.com")
    missing(
        lambda: client.get_bucket_domain_certificate(Bucket=bucket, DomainName="files.example.com"),
        "NoSuchDomainCertificate",
    )


# --- replication ----------------------------------------------------------------------------------------
def test_replication_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_replication(Bucket=bucket), "ReplicationConfigurationnotFoundError")
    config = {
        "Role": f"qcs::cam::uin/{emu.settings.appid}:uin/{emu.settings.appid}",
        "Rule": [{"ID": "to-backup", "Status": "Enabled", "Prefix": "docs/",
                  "Destination": {"Bucket": f"qcs::cos:{emu.region}::{emu.bucket}", "StorageClass": "STANDARD"}}],
    }  # fmt: skip
    # Replication needs versioning on the source bucket.
    refused(
        lambda: client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config), 400, "InvalidRequest"
    )
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)
    assert client.get_bucket_replication(Bucket=bucket) == config
    bad = {**config, "Rule": [{**config["Rule"][0], "Destination": {"Bucket": "backup"}}]}
    refused(lambda: client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=bad), 400, "InvalidArgument")
    client.delete_bucket_replication(Bucket=bucket)
    missing(lambda: client.get_bucket_replication(Bucket=bucket), "ReplicationConfigurationnotFoundError")


# --- intelligent tiering --------------------------------------------------------------------------------
def test_intelligent_tiering_v1(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    default = {"Status": "Suspended", "Transition": {"Days": "30", "RequestFrequent": "1"}}
    assert client.get_bucket_intelligenttiering(Bucket=bucket) == default
    config = {"Status": "Enabled", "Transition": {"Days": "60", "RequestFrequent": "1"}}
    client.put_bucket_intelligenttiering(Bucket=bucket, IntelligentTieringConfiguration=config)
    assert client.get_bucket_intelligenttiering(Bucket=bucket) == config
    bad = {"Status": "Enabled", "Transition": {"Days": "45", "RequestFrequent": "1"}}
    refused(
        lambda: client.put_bucket_intelligenttiering(Bucket=bucket, IntelligentTieringConfiguration=bad),
        400,
        "InvalidArgument",
    )


def test_intelligent_tiering_v2_and_list(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(
        lambda: client.get_bucket_intelligenttiering_v2(Bucket=bucket, Id="archive"),
        "NoSuchIntelligentTieringConfiguration",
    )
    assert client.list_bucket_intelligenttiering_configurations(Bucket=bucket) == {
        "ListBucketIntelligentTieringConfigurationsOutput": None
    }
    config = {"Id": "archive", "Status": "Enabled", "Filter": {"Prefix": "old/"},
              "Tiering": [{"AccessTier": "ARCHIVE_ACCESS", "Days": "91"}, {"AccessTier": "DEEP_ARCHIVE_ACCESS", "Days": "180"}]}  # fmt: skip
    client.put_bucket_intelligenttiering_v2(Bucket=bucket, Id="archive", IntelligentTieringConfiguration=config)
    assert client.get_bucket_intelligenttiering_v2(Bucket=bucket, Id="archive") == config
    listed = client.list_bucket_intelligenttiering_configurations(Bucket=bucket)
    assert listed["IntelligentTieringConfiguration"]["Id"] == "archive"
    bad = {**config, "Tiering": [{"AccessTier": "FROZEN", "Days": "1"}]}
    refused(
        lambda: client.put_bucket_intelligenttiering_v2(
            Bucket=bucket, Id="archive", IntelligentTieringConfiguration=bad
        ),
        400,
        "InvalidArgument",
    )
    assert client.get_bucket_intelligenttiering_v2(Bucket=bucket, Id="archive") == config
    assert raw_request(emu, "DELETE", bucket=bucket, params={"intelligent-tiering": "", "id": "archive"}).status == 204
    missing(
        lambda: client.get_bucket_intelligenttiering_v2(Bucket=bucket, Id="archive"),
        "NoSuchIntelligentTieringConfiguration",
    )


# --- object lock, origin, response control ---------------------------------------------------------------
def test_object_lock_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_object_lock(Bucket=bucket), "ObjectLockConfigurationNotFoundError")
    config = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Days": "30"}}}
    client.put_bucket_object_lock(Bucket=bucket, ObjectLockConfiguration=config)
    assert client.get_bucket_object_lock(Bucket=bucket) == config
    off = {"ObjectLockEnabled": "Disabled"}  # once on, object lock stays on
    refused(lambda: client.put_bucket_object_lock(Bucket=bucket, ObjectLockConfiguration=off), 400, "InvalidArgument")
    too_long = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Days": "36501"}}}
    refused(
        lambda: client.put_bucket_object_lock(Bucket=bucket, ObjectLockConfiguration=too_long), 400, "InvalidArgument"
    )
    assert client.get_bucket_object_lock(Bucket=bucket) == config


def test_origin_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_origin(Bucket=bucket), "NoSuchOriginConfiguration")
    config = {
        "OriginRule": [
            {
                "RulePriority": "1",
                "OriginType": "Mirror",
                "OriginCondition": {"HTTPStatusCode": "404", "Prefix": "img/"},
                "OriginParameter": {"Protocol": "HTTPS", "FollowQueryString": "true", "HttpRedirectCode": "302"},
                "OriginInfo": {"HostInfo": {"HostName": "origin.example.com"}},
            }
        ]
    }
    client.put_bucket_origin(Bucket=bucket, OriginConfiguration=config)
    assert client.get_bucket_origin(Bucket=bucket) == config
    bad = {"OriginRule": [{**config["OriginRule"][0], "OriginType": "Teleport"}]}
    refused(lambda: client.put_bucket_origin(Bucket=bucket, OriginConfiguration=bad), 400, "InvalidArgument")
    no_info = {"OriginRule": [{"OriginType": "Mirror"}]}
    refused(lambda: client.put_bucket_origin(Bucket=bucket, OriginConfiguration=no_info), 400, "MalformedXML")
    client.delete_bucket_origin(Bucket=bucket)
    missing(lambda: client.get_bucket_origin(Bucket=bucket), "NoSuchOriginConfiguration")


def test_response_control_round_trip(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    missing(lambda: client.get_bucket_response_control(Bucket=bucket), "NoSuchResponseControlConfiguration")
    config = {"ControlParamList": {"Param": ["response-content-type", "response-content-disposition"]}}
    client.put_bucket_response_control(Bucket=bucket, ResponseControlConfiguration=config)
    assert client.get_bucket_response_control(Bucket=bucket) == config
    bad = {"ControlParamList": {"Param": ["response-x-evil"]}}
    refused(
        lambda: client.put_bucket_response_control(Bucket=bucket, ResponseControlConfiguration=bad),
        400,
        "InvalidArgument",
    )
    client.delete_bucket_response_control(Bucket=bucket)
    missing(lambda: client.get_bucket_response_control(Bucket=bucket), "NoSuchResponseControlConfiguration")
    # Deleting the configuration never touches the bucket (it used to be misrouted to DELETE Bucket).
    assert client.head_bucket(Bucket=bucket) is None or client.bucket_exists(Bucket=bucket)


# --- the SDK helper that reads many of them, and durability ---------------------------------------------
def test_get_bucket_meta_reads_the_configs(client: CosS3Client, emu: RunningEmulator, bucket: str) -> None:
    """The SDK helper runs eleven GETs in threads and swallows every CosServiceError: each part must parse."""
    empty = client.get_bucket_meta(Bucket=bucket)
    assert empty["Location"] == emu.region and empty["BucketUrl"]
    assert empty["OFS"] is False and empty["MAZ"] is False
    for part in ("Lifecycle", "Encryption", "Website", "CORS", "Tagging", "Replication", "ObjectLock"):
        assert empty[part] is None, part
    assert empty["ACL"]["AccessControlList"]["Grant"]  # the owner's FULL_CONTROL
    assert empty["Versioning"] == {"VersioningConfiguration": None}  # never versioned: an empty document
    assert empty["Logging"] == {"BucketLoggingStatus": None}
    client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    enc = {"Rule": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=enc)
    cors = {"CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}]}
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": {"Tag": [{"Key": "team", "Value": "ocr"}]}})
    client.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    client.put_bucket_acl(Bucket=bucket, ACL="public-read")
    meta = client.get_bucket_meta(Bucket=bucket)
    assert meta["Lifecycle"] == LIFECYCLE and meta["Website"] == WEBSITE and meta["Encryption"] == enc
    assert meta["CORS"]["CORSRule"][0]["AllowedOrigin"] == ["*"]
    assert meta["Tagging"] == {"TagSet": {"Tag": [{"Key": "team", "Value": "ocr"}]}}
    assert meta["Versioning"] == {"Status": "Enabled"}
    assert meta["ACL"]["CannedACL"] == "public-read"


def test_configurations_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_emulator(storage="disk", data_dir=data) as first:
        client = first.client()
        client.put_bucket_lifecycle(Bucket=first.bucket, LifecycleConfiguration=LIFECYCLE)
        client.put_bucket_referer(Bucket=first.bucket, RefererConfiguration=REFERER)
    with running_emulator(storage="disk", data_dir=data) as second:
        client = second.client()
        assert client.get_bucket_lifecycle(Bucket=second.bucket) == LIFECYCLE
        assert client.get_bucket_referer(Bucket=second.bucket) == REFERER
