"""Configurations about how a bucket is reached: referer, website, custom domains and their certificates,
origin (back-to-source), response control, logging, and default encryption. Schemas only; see config_spec.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cos_ocr_emulator.xml.config_spec import ENABLED, PROLOG, ConfigSpec, unique
from cos_ocr_emulator.xml.schema import Field, children_named, invalid, malformed, node, text_at, text_of

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")


def check_hostname(value: str, where: str) -> None:
    if not _HOSTNAME.match(value):
        raise invalid(f"<{where}> must be a domain name, not {value!r}.")


# --- referer ---------------------------------------------------------------------------------------
def _check_referer(root: ET.Element) -> None:
    domains = [text_of(d) for dl in children_named(root, "DomainList") for d in children_named(dl, "Domain")]
    if text_at(root, "Status") == "Enabled" and not domains:
        raise invalid("An enabled referer configuration needs at least one <DomainList><Domain>.")
    if any(not d for d in domains):
        raise invalid("<Domain> must not be empty.")


REFERER = ConfigSpec(
    "referer",
    "RefererConfiguration",
    (
        Field("Status", required=True, choices=ENABLED),
        Field("RefererType", required=True, choices=("Black-List", "White-List")),
        node("DomainList", Field("Domain", repeat=True)),
        Field("EmptyReferConfiguration", choices=("Allow", "Deny")),
        Field("VerifySignatureURL", choices=("Allow", "Deny")),
    ),
    "NoSuchRefererConfiguration",
    _check_referer,
)


# --- encryption ------------------------------------------------------------------------------------
def _check_encryption(root: ET.Element) -> None:
    algorithm = text_at(root, "Rule/ApplyServerSideEncryptionByDefault/SSEAlgorithm")
    if text_at(root, "Rule/ApplyServerSideEncryptionByDefault/KMSMasterKeyID") and algorithm != "KMS":
        raise invalid("<KMSMasterKeyID> is only allowed with <SSEAlgorithm>KMS</SSEAlgorithm>.")


ENCRYPTION = ConfigSpec(
    "encryption",
    "ServerSideEncryptionConfiguration",
    (
        node(
            "Rule",
            node(
                "ApplyServerSideEncryptionByDefault",
                Field("SSEAlgorithm", required=True, choices=("AES256", "KMS", "SM4")),
                Field("KMSMasterKeyID", nonempty=True),
                Field("KMSAlgorithm"),
                required=True,
            ),
            required=True,
        ),
    ),
    "NoSuchEncryptionConfiguration",
    _check_encryption,
)


# --- website ---------------------------------------------------------------------------------------
def _check_website(root: ET.Element) -> None:
    for rules in children_named(root, "RoutingRules"):
        for rule in children_named(rules, "RoutingRule"):
            conditions = [
                n for n in ("HttpErrorCodeReturnedEquals", "KeyPrefixEquals") if text_at(rule, f"Condition/{n}")
            ]
            if len(conditions) != 1:
                raise malformed("A <RoutingRule><Condition> needs one of HttpErrorCodeReturnedEquals, KeyPrefixEquals.")
            code = text_at(rule, "Condition/HttpErrorCodeReturnedEquals")
            if code is not None and not (code.isdigit() and 400 <= int(code) <= 599):
                raise invalid(f"<HttpErrorCodeReturnedEquals> must be a 4xx or 5xx status, not {code!r}.")
            replaced = [n for n in ("ReplaceKeyWith", "ReplaceKeyPrefixWith") if text_at(rule, f"Redirect/{n}")]
            if len(replaced) > 1:
                raise invalid("A <Redirect> may give only one of ReplaceKeyWith and ReplaceKeyPrefixWith.")


_PROTOCOL = Field("Protocol", choices=("http", "https"))
WEBSITE = ConfigSpec(
    "website",
    "WebsiteConfiguration",
    (
        node("IndexDocument", Field("Suffix", required=True, nonempty=True), required=True),
        node("RedirectAllRequestsTo", _PROTOCOL),
        node("AutoAddressing", Field("Status", choices=ENABLED)),
        node(
            "ErrorDocument",
            Field("Key", nonempty=True),
            Field("OriginalHttpStatus", choices=ENABLED),
            Field("Charity404", choices=ENABLED),
        ),
        node(
            "RoutingRules",
            node(
                "RoutingRule",
                node("Condition", Field("HttpErrorCodeReturnedEquals"), Field("KeyPrefixEquals"), required=True),
                node(
                    "Redirect",
                    _PROTOCOL,
                    Field("ReplaceKeyWith"),
                    Field("ReplaceKeyPrefixWith"),
                    Field("URLRedirect", choices=ENABLED),
                    required=True,
                ),
                repeat=True,
            ),
        ),
    ),
    "NoSuchWebsiteConfiguration",
    _check_website,
)


# --- logging ---------------------------------------------------------------------------------------
LOGGING = ConfigSpec(
    "logging",
    "BucketLoggingStatus",
    (node("LoggingEnabled", Field("TargetBucket", required=True, nonempty=True), Field("TargetPrefix")),),
    "",  # an unconfigured bucket answers 200 with an empty <BucketLoggingStatus>, as S3 does
    default=PROLOG + "<BucketLoggingStatus></BucketLoggingStatus>",
)


# --- custom domains --------------------------------------------------------------------------------
def _check_domain(root: ET.Element) -> None:
    names = [text_at(rule, "Name") or "" for rule in children_named(root, "DomainRule")]
    for name in names:
        check_hostname(name, "DomainRule/Name")
    unique([n.lower() for n in names], "DomainRule <Name>")


DOMAIN = ConfigSpec(
    "domain",
    "DomainConfiguration",
    (
        node(
            "DomainRule",
            Field("Status", required=True, choices=("ENABLED", "DISABLED")),
            Field("Name", required=True, nonempty=True),
            Field("Type", required=True, choices=("REST", "WEBSITE")),
            Field("ForcedReplacement", choices=("CNAME", "TXT")),
            required=True,
            repeat=True,
        ),
    ),
    "NoSuchDomainConfiguration",
    _check_domain,
)


def _check_certificate(root: ET.Element) -> None:
    for name in [text_of(d) for dl in children_named(root, "DomainList") for d in children_named(dl, "DomainName")]:
        check_hostname(name, "DomainList/DomainName")
    if text_at(root, "CertificateInfo/CustomCert/CertId"):
        return
    cert = text_at(root, "CertificateInfo/CustomCert/Cert") or ""
    key = text_at(root, "CertificateInfo/CustomCert/PrivateKey") or ""
    if "-----BEGIN CERTIFICATE-----" not in cert:
        raise invalid("<CustomCert><Cert> must be a PEM certificate (or give a <CertId>).")
    if not re.search(r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----", key):
        raise invalid("<CustomCert><PrivateKey> must be a PEM private key.")


# The PUT body; what GET returns (status and validity of the stored certificate) is built by the handler.
DOMAIN_CERTIFICATE = ConfigSpec(
    "domaincertificate",
    "DomainCertificate",
    (
        node(
            "CertificateInfo",
            Field("CertType", required=True, choices=("CustomCert",)),
            node("CustomCert", Field("CertId"), Field("Cert"), Field("PrivateKey"), required=True),
            required=True,
        ),
        node("DomainList", Field("DomainName", required=True, repeat=True), required=True),
    ),
    "NoSuchDomainCertificate",
    _check_certificate,
    keyed_by="domainname",
)


# --- origin (back-to-source) -----------------------------------------------------------------------
def _check_origin(root: ET.Element) -> None:
    priorities = [text_at(r, "RulePriority") or "" for r in children_named(root, "OriginRule")]
    unique([p for p in priorities if p], "OriginRule <RulePriority>")
    for rule in children_named(root, "OriginRule"):
        status = text_at(rule, "OriginCondition/HTTPStatusCode")
        if status is not None and status != "404":
            raise invalid(f"<OriginCondition><HTTPStatusCode> must be 404, not {status!r}.")


ORIGIN = ConfigSpec(
    "origin",
    "OriginConfiguration",
    (
        node(
            "OriginRule",
            Field("RulePriority", kind="int", low=1),
            Field("OriginType", required=True, choices=("Mirror", "Proxy")),
            node("OriginCondition", Field("HTTPStatusCode"), Field("Prefix"), Field("Suffix")),
            Field("OriginParameter", kind="any"),
            Field("OriginInfo", required=True, kind="any"),
            Field("HTTPStandbyCode", kind="any"),
            required=True,
            repeat=True,
        ),
    ),
    "NoSuchOriginConfiguration",
    _check_origin,
)


# --- response control ------------------------------------------------------------------------------
RESPONSE_PARAMS = ("response-content-type", "response-content-disposition", "response-cache-control",
                   "response-content-encoding", "response-content-language", "response-expires")  # fmt: skip
RESPONSE_CONTROL = ConfigSpec(
    "response-control",
    "ResponseControlConfiguration",
    (node("ControlParamList", Field("Param", repeat=True, choices=RESPONSE_PARAMS), required=True),),
    "NoSuchResponseControlConfiguration",
)
