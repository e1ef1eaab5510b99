"""The configuration schemas as pure functions: each vector is a body and the outcome COS gives it."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.pem import CertificateError, validity
from cos_ocr_emulator.xml.config_spec import ConfigSpec, parse_config
from cos_ocr_emulator.xml.configs_access import (
    DOMAIN,
    DOMAIN_CERTIFICATE,
    ENCRYPTION,
    LOGGING,
    ORIGIN,
    REFERER,
    RESPONSE_CONTROL,
    WEBSITE,
)
from cos_ocr_emulator.xml.configs_data import (
    INTELLIGENT_TIERING,
    INTELLIGENT_TIERING_V2,
    INVENTORY,
    INVENTORY_JOB,
    LIFECYCLE,
    OBJECT_LOCK,
    REPLICATION,
)

ARN = "qcs::cos:ap-guangzhou::backup-1250000000"
INV = (
    "<InventoryConfiguration><Id>a</Id><IsEnabled>true</IsEnabled><IncludedObjectVersions>All</IncludedObjectVersions>"
    "<Schedule><Frequency>Daily</Frequency></Schedule><Destination><COSBucketDestination><Format>CSV</Format>"
    f"<Bucket>{ARN}</Bucket>{{extra}}</COSBucketDestination></Destination>{{fields}}</InventoryConfiguration>"
)

ACCEPTED: list[tuple[ConfigSpec, str]] = [
    (REFERER, "<RefererConfiguration><Status>Disabled</Status><RefererType>Black-List</RefererType></RefererConfiguration>"),
    (ENCRYPTION, "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm>"
     "<KMSMasterKeyID>k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00+08:00</Date>"
     "</Expiration></Rule></LifecycleConfiguration>"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><ID>n</ID><Status>Enabled</Status><NoncurrentVersionExpiration>"
     "<NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>"),
    (WEBSITE, "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>"),
    (LOGGING, "<BucketLoggingStatus/>"),
    (INVENTORY, INV.format(extra="<Encryption><SSE-COS></SSE-COS></Encryption>",
                           fields="<OptionalFields><Field>x-cos-meta-owner</Field></OptionalFields>")),
    (INVENTORY_JOB, "<InventoryConfiguration><Id>j</Id><IncludedObjectVersions>All</IncludedObjectVersions><Destination>"
     f"<COSBucketDestination><Format>CSV</Format><Bucket>{ARN}</Bucket></COSBucketDestination></Destination>"
     "</InventoryConfiguration>"),
    (DOMAIN, "<DomainConfiguration><DomainRule><Status>ENABLED</Status><Name>*.files.example.com</Name><Type>REST</Type>"
     "<ForcedReplacement>CNAME</ForcedReplacement></DomainRule></DomainConfiguration>"),
    (REPLICATION, f"<ReplicationConfiguration><Role>qcs::cam::uin/1:uin/1</Role><Rule><Status>Enabled</Status><Destination>"
     f"<Bucket>{ARN}</Bucket></Destination></Rule></ReplicationConfiguration>"),
    (INTELLIGENT_TIERING, "<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>90</Days>"
     "<RequestFrequent>1</RequestFrequent></Transition></IntelligentTieringConfiguration>"),
    (INTELLIGENT_TIERING_V2, "<IntelligentTieringConfiguration><Id>t</Id><Status>Enabled</Status><Tiering><AccessTier>"
     "INFREQUENT</AccessTier><Days>30</Days></Tiering></IntelligentTieringConfiguration>"),
    (OBJECT_LOCK, "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"),
    (ORIGIN, "<OriginConfiguration><OriginRule><OriginType>Proxy</OriginType><OriginInfo><HostInfo><HostName>o.example.com"
     "</HostName><Weight>1</Weight></HostInfo></OriginInfo></OriginRule></OriginConfiguration>"),
    (RESPONSE_CONTROL, "<ResponseControlConfiguration><ControlParamList></ControlParamList></ResponseControlConfiguration>"),
]  # fmt: skip

REFUSED: list[tuple[ConfigSpec, str, str]] = [
    (REFERER, "", "MalformedXML"),
    (REFERER, "<RefererConfiguration>", "MalformedXML"),
    (REFERER, "<RefererConfiguration><Status>Enabled</Status><RefererType>White-List</RefererType>"
     "<DomainList><Domain></Domain></DomainList></RefererConfiguration>", "InvalidArgument"),
    (ENCRYPTION, "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
     "</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule>"
     "</ServerSideEncryptionConfiguration>", "InvalidArgument"),
    (ENCRYPTION, "<ServerSideEncryptionConfiguration></ServerSideEncryptionConfiguration>", "MalformedXML"),
    (LIFECYCLE, "<LifecycleConfiguration></LifecycleConfiguration>", "MalformedXML"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z"
     "</Date></Expiration></Rule></LifecycleConfiguration>", "MalformedXML"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><Status>Enabled</Status><Transition><Days>1</Days></Transition></Rule>"
     "</LifecycleConfiguration>", "MalformedXML"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>x</Days></Expiration></Rule>"
     "</LifecycleConfiguration>", "InvalidArgument"),
    (LIFECYCLE, "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days><N/></Days></Expiration></Rule>"
     "</LifecycleConfiguration>", "MalformedXML"),
    (WEBSITE, "<WebsiteConfiguration><IndexDocument><Suffix> </Suffix></IndexDocument></WebsiteConfiguration>", "InvalidArgument"),
    (WEBSITE, "<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument><RoutingRules><RoutingRule>"
     "<Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition><Redirect><ReplaceKeyWith>b</ReplaceKeyWith>"
     "<ReplaceKeyPrefixWith>c</ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>",
     "InvalidArgument"),
    (INVENTORY, INV.format(extra="", fields="<OptionalFields><Field>Colour</Field></OptionalFields>"), "InvalidArgument"),
    (INVENTORY, INV.format(extra="", fields="").replace("<IsEnabled>true</IsEnabled>", ""), "MalformedXML"),
    (DOMAIN, "<DomainConfiguration><DomainRule><Status>ENABLED</Status><Name>a.example.com</Name><Type>REST</Type>"
     "</DomainRule><DomainRule><Status>ENABLED</Status><Name>A.example.com</Name><Type>REST</Type></DomainRule>"
     "</DomainConfiguration>", "InvalidArgument"),
    (DOMAIN_CERTIFICATE, "<DomainCertificate><CertificateInfo><CertType>CustomCert</CertType><CustomCert><Cert>x</Cert>"
     "<PrivateKey>y</PrivateKey></CustomCert></CertificateInfo><DomainList><DomainName>a.example.com</DomainName>"
     "</DomainList></DomainCertificate>", "InvalidArgument"),
    (REPLICATION, "<ReplicationConfiguration><Role>r</Role></ReplicationConfiguration>", "MalformedXML"),
    (INTELLIGENT_TIERING, "<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>30</Days>"
     "<RequestFrequent>2</RequestFrequent></Transition></IntelligentTieringConfiguration>", "InvalidArgument"),
    (OBJECT_LOCK, "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
     "<Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>", "InvalidArgument"),
    (ORIGIN, "<OriginConfiguration><OriginRule><RulePriority>1</RulePriority><OriginType>Proxy</OriginType><OriginInfo/>"
     "</OriginRule><OriginRule><RulePriority>1</RulePriority><OriginType>Proxy</OriginType><OriginInfo/></OriginRule>"
     "</OriginConfiguration>", "InvalidArgument"),
    (ORIGIN, "<OriginConfiguration><OriginRule><OriginType>Proxy</OriginType><OriginCondition><HTTPStatusCode>500"
     "</HTTPStatusCode></OriginCondition><OriginInfo/></OriginRule></OriginConfiguration>", "InvalidArgument"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "body"), ACCEPTED, ids=[f"{s.name}-{i}" for i, (s, _) in enumerate(ACCEPTED)])
def test_accepted_and_canonical(spec: ConfigSpec, body: str) -> None:
    _, stored = parse_config(spec, body.encode())
    spaced = body.replace("><", ">\n  <")  # insignificant whitespace does not change what is stored
    assert parse_config(spec, spaced.encode())[1] == stored
    assert parse_config(spec, stored.encode())[1] == stored  # idempotent


@pytest.mark.parametrize(
    ("spec", "body", "code"), REFUSED, ids=[f"{s.name}-{i}" for i, (s, _, _) in enumerate(REFUSED)]
)
def test_refused(spec: ConfigSpec, body: str, code: str) -> None:
    with pytest.raises(CosError) as info:
        parse_config(spec, body.encode())
    assert info.value.code == code, info.value.message
    assert info.value.status == 400


def test_namespace_is_dropped() -> None:
    body = b'<WebsiteConfiguration xmlns="http://example.com/ns"><IndexDocument><Suffix>i</Suffix></IndexDocument></WebsiteConfiguration>'
    assert "xmlns" not in parse_config(WEBSITE, body)[1]


def test_certificate_validity(tmp_path: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "10",
         "-subj", "/CN=a.example.com", "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    begin, end = validity((tmp_path / "c.pem").read_text())
    assert abs((begin - datetime.now(UTC)).total_seconds()) < 120
    assert (end - begin).days == 10
    for garbage in ("", "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----",
                    "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----"):  # fmt: skip
        with pytest.raises(CertificateError):
            validity(garbage)
