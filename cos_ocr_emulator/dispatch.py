"""Which COS operation a request is: (method, target kind, query names, header names) → `Rule`. Pure.

`RULES` is the only table: each rule names the operation, the request shape it matches, the handler
that serves it, whether it only reads (anonymous access to public buckets) and its CAM action. The
same table validates operation names in the admin API and generates SUPPORTED.md
(`python -m cos_ocr_emulator.dispatch > SUPPORTED.md`). Adding an operation is one `Rule(...)` line.

Dispatch is an allow-list. COS selects many operations by a query name alone (`?acl`, `?live`,
`?imageMogr2/…`), with or without a value; every such name is in `SUBRESOURCES`, and a rule matches
only if every sub-resource in the request is one it names (`query`, required, or `accepts`,
optional). A sub-resource no rule takes is 501 NotImplemented, never the plain operation: a served
`DELETE /?response-control` once deleted the bucket. Rules are tried in order; the first match wins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from starlette.responses import Response

from cos_ocr_emulator.ci.ocr import ocr
from cos_ocr_emulator.cos import (
    acl,
    append,
    bucket,
    cors,
    multipart,
    object,
    policy,
    restore,
    symlink,
    tagging,
    versioning,
)
from cos_ocr_emulator.cos import config_extras as cx
from cos_ocr_emulator.cos.config_extras import check_logging_target, check_versioning_enabled
from cos_ocr_emulator.cos.configs import delete_config as cdel
from cos_ocr_emulator.cos.configs import get_config as cget
from cos_ocr_emulator.cos.configs import put_config as cput
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.sdk_scope import coverage_markdown
from cos_ocr_emulator.xml.configs_access import DOMAIN, ENCRYPTION, LOGGING, ORIGIN, REFERER, RESPONSE_CONTROL, WEBSITE
from cos_ocr_emulator.xml.configs_data import (
    INTELLIGENT_TIERING,
    INTELLIGENT_TIERING_V2,
    INVENTORY,
    LIFECYCLE,
    OBJECT_LOCK,
    REPLICATION,
)

if TYPE_CHECKING:
    from cos_ocr_emulator.cos.context import Ctx

Kind = Literal["service", "bucket", "object"]
Handler = Callable[["Ctx"], Awaitable[Response]]


@dataclass(frozen=True)
class Rule:
    operation: str
    method: str
    kind: Kind
    handler: Handler
    query: tuple[str, ...] = ()  # query names that must be present (lower case)
    header: str | None = None  # a header that must be present (lower case)
    ci_process: str | None = None  # required value of ci-process
    read_only: bool = False  # anonymous requests may reach it on a public-read bucket
    accepts: tuple[str, ...] = ()  # sub-resources it takes when present (e.g. versionid)
    cam_action: str | None = None  # defaults to cos:<operation>
    unsigned: bool = False  # never signed by clients (a browser's CORS preflight): no authentication

    @property
    def action(self) -> str:
        return self.cam_action or f"cos:{self.operation}"

    def takes(self, subresources: Collection[str]) -> bool:
        return all(name in self.query or name in self.accepts for name in subresources)


# One line per rule, so adding an operation is a one-line change.
# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("ListBuckets", "GET", "service", bucket.list_buckets, read_only=True),
    # Bucket level
    Rule("OCR", "GET", "bucket", ocr, ci_process="OCR", read_only=True, cam_action="ci:CreateOCRJob"),
    Rule("GetBucketLocation", "GET", "bucket", bucket.get_bucket_location, ("location",), read_only=True),
    Rule("ListMultipartUploads", "GET", "bucket", multipart.list_multipart_uploads, ("uploads",)),
    Rule("GetBucketACL", "GET", "bucket", acl.get_bucket_acl, ("acl",)),
    Rule("PutBucketACL", "PUT", "bucket", acl.put_bucket_acl, ("acl",)),
    Rule("GetBucketCORS", "GET", "bucket", cors.get_bucket_cors, ("cors",)),
    Rule("PutBucketCORS", "PUT", "bucket", cors.put_bucket_cors, ("cors",)),
    Rule("DeleteBucketCORS", "DELETE", "bucket", cdel(cors.CORS), ("cors",)),
    Rule("GetBucketTagging", "GET", "bucket", tagging.get_bucket_tagging, ("tagging",)),
    Rule("PutBucketTagging", "PUT", "bucket", tagging.put_bucket_tagging, ("tagging",)),
    Rule("DeleteBucketTagging", "DELETE", "bucket", cdel(tagging.TAGGING), ("tagging",)),
    Rule("GetBucketVersioning", "GET", "bucket", versioning.get_bucket_versioning, ("versioning",)),
    Rule("PutBucketVersioning", "PUT", "bucket", versioning.put_bucket_versioning, ("versioning",)),
    Rule("ListObjectVersions", "GET", "bucket", versioning.list_object_versions, ("versions",), read_only=True, cam_action="cos:GetBucketObjectVersions"),
    Rule("GetBucketPolicy", "GET", "bucket", policy.get_bucket_policy, ("policy",)),
    Rule("PutBucketPolicy", "PUT", "bucket", policy.put_bucket_policy, ("policy",)),
    Rule("DeleteBucketPolicy", "DELETE", "bucket", cdel(policy.POLICY), ("policy",)),
    # Stored configurations (cos/configs.py: one ConfigSpec each, in xml/configs_*.py)
    Rule("GetBucketReferer", "GET", "bucket", cget(REFERER), ("referer",)),
    Rule("PutBucketReferer", "PUT", "bucket", cput(REFERER), ("referer",)),  # an empty body deletes (the SDKs' delete)
    Rule("GetBucketEncryption", "GET", "bucket", cget(ENCRYPTION), ("encryption",)),
    Rule("PutBucketEncryption", "PUT", "bucket", cput(ENCRYPTION), ("encryption",)),
    Rule("DeleteBucketEncryption", "DELETE", "bucket", cdel(ENCRYPTION), ("encryption",)),
    Rule("GetBucketLifecycle", "GET", "bucket", cget(LIFECYCLE), ("lifecycle",)),
    Rule("PutBucketLifecycle", "PUT", "bucket", cput(LIFECYCLE), ("lifecycle",)),
    Rule("DeleteBucketLifecycle", "DELETE", "bucket", cdel(LIFECYCLE), ("lifecycle",)),
    Rule("GetBucketWebsite", "GET", "bucket", cget(WEBSITE), ("website",)),
    Rule("PutBucketWebsite", "PUT", "bucket", cput(WEBSITE), ("website",)),
    Rule("DeleteBucketWebsite", "DELETE", "bucket", cdel(WEBSITE), ("website",)),
    Rule("GetBucketLogging", "GET", "bucket", cget(LOGGING), ("logging",)),
    Rule("PutBucketLogging", "PUT", "bucket", cput(LOGGING, check_logging_target), ("logging",)),
    Rule("GetBucketInventory", "GET", "bucket", cget(INVENTORY), ("inventory", "id")),
    Rule("ListBucketInventoryConfigurations", "GET", "bucket", cx.list_inventory, ("inventory",), cam_action="cos:GetBucketInventory"),
    Rule("PutBucketInventory", "PUT", "bucket", cput(INVENTORY), ("inventory",)),
    Rule("DeleteBucketInventory", "DELETE", "bucket", cdel(INVENTORY), ("inventory",)),
    Rule("PostBucketInventory", "POST", "bucket", cx.post_inventory, ("inventory",)),
    Rule("GetBucketDomain", "GET", "bucket", cget(DOMAIN), ("domain",)),
    Rule("PutBucketDomain", "PUT", "bucket", cput(DOMAIN), ("domain",)),
    Rule("DeleteBucketDomain", "DELETE", "bucket", cdel(DOMAIN), ("domain",)),
    Rule("GetBucketDomainCertificate", "GET", "bucket", cx.get_domain_certificate, ("domaincertificate",)),
    Rule("PutBucketDomainCertificate", "PUT", "bucket", cx.put_domain_certificate, ("domaincertificate",)),
    Rule("DeleteBucketDomainCertificate", "DELETE", "bucket", cx.delete_domain_certificate, ("domaincertificate",)),
    Rule("GetBucketReplication", "GET", "bucket", cget(REPLICATION), ("replication",)),
    Rule("PutBucketReplication", "PUT", "bucket", cput(REPLICATION, check_versioning_enabled), ("replication",)),
    Rule("DeleteBucketReplication", "DELETE", "bucket", cdel(REPLICATION), ("replication",)),
    Rule("GetBucketIntelligentTiering", "GET", "bucket", cget(INTELLIGENT_TIERING), ("intelligenttiering",)),
    Rule("PutBucketIntelligentTiering", "PUT", "bucket", cput(INTELLIGENT_TIERING), ("intelligenttiering",)),
    Rule("GetBucketIntelligentTieringV2", "GET", "bucket", cget(INTELLIGENT_TIERING_V2), ("intelligent-tiering", "id"), cam_action="cos:GetBucketIntelligentTiering"),
    Rule("ListBucketIntelligentTiering", "GET", "bucket", cx.list_intelligent_tiering, ("intelligent-tiering",), cam_action="cos:GetBucketIntelligentTiering"),
    Rule("PutBucketIntelligentTieringV2", "PUT", "bucket", cput(INTELLIGENT_TIERING_V2), ("intelligent-tiering",), cam_action="cos:PutBucketIntelligentTiering"),
    Rule("DeleteBucketIntelligentTieringV2", "DELETE", "bucket", cdel(INTELLIGENT_TIERING_V2), ("intelligent-tiering",), cam_action="cos:DeleteBucketIntelligentTiering"),
    Rule("GetBucketObjectLock", "GET", "bucket", cget(OBJECT_LOCK), ("object-lock",)),
    Rule("PutBucketObjectLock", "PUT", "bucket", cput(OBJECT_LOCK), ("object-lock",)),  # once on, it stays on: no DELETE
    Rule("GetBucketOrigin", "GET", "bucket", cget(ORIGIN), ("origin",)),
    Rule("PutBucketOrigin", "PUT", "bucket", cput(ORIGIN), ("origin",)),
    Rule("DeleteBucketOrigin", "DELETE", "bucket", cdel(ORIGIN), ("origin",)),
    Rule("GetBucketResponseControl", "GET", "bucket", cget(RESPONSE_CONTROL), ("response-control",)),
    Rule("PutBucketResponseControl", "PUT", "bucket", cput(RESPONSE_CONTROL), ("response-control",)),
    Rule("DeleteBucketResponseControl", "DELETE", "bucket", cdel(RESPONSE_CONTROL), ("response-control",)),
    Rule("OptionsObject", "OPTIONS", "bucket", cors.options_object, unsigned=True),
    Rule("ListObjects", "GET", "bucket", bucket.list_objects, read_only=True),
    Rule("HeadBucket", "HEAD", "bucket", bucket.head_bucket, read_only=True),
    Rule("PutBucket", "PUT", "bucket", bucket.put_bucket),
    Rule("DeleteBucket", "DELETE", "bucket", bucket.delete_bucket),
    Rule("DeleteMultipleObjects", "POST", "bucket", bucket.delete_multiple_objects, ("delete",)),
    # Object level
    Rule("OCR", "GET", "object", ocr, ci_process="OCR", read_only=True, cam_action="ci:CreateOCRJob"),
    Rule("ListParts", "GET", "object", multipart.list_parts, ("uploadid",)),
    Rule("GetObjectACL", "GET", "object", acl.get_object_acl, ("acl",), accepts=("versionid",)),
    Rule("PutObjectACL", "PUT", "object", acl.put_object_acl, ("acl",), accepts=("versionid",)),
    Rule("GetObjectTagging", "GET", "object", tagging.get_object_tagging, ("tagging",), accepts=("versionid",)),
    Rule("PutObjectTagging", "PUT", "object", tagging.put_object_tagging, ("tagging",), accepts=("versionid",)),
    Rule("DeleteObjectTagging", "DELETE", "object", tagging.delete_object_tagging, ("tagging",), accepts=("versionid",)),
    Rule("AppendObject", "POST", "object", append.append_object, ("append",)),
    Rule("PostObjectRestore", "POST", "object", restore.restore_object, ("restore",), accepts=("versionid",)),
    Rule("PutSymlink", "PUT", "object", symlink.put_symlink, ("symlink",)),
    Rule("GetSymlink", "GET", "object", symlink.get_symlink, ("symlink",), accepts=("versionid",)),
    Rule("OptionsObject", "OPTIONS", "object", cors.options_object, unsigned=True),
    Rule("GetObject", "GET", "object", object.get_object, read_only=True, accepts=("versionid",)),
    Rule("HeadObject", "HEAD", "object", object.head_object, read_only=True, accepts=("versionid",)),
    Rule("UploadPartCopy", "PUT", "object", multipart.upload_part_copy, ("partnumber", "uploadid"), header="x-cos-copy-source"),
    Rule("UploadPart", "PUT", "object", multipart.upload_part, ("partnumber", "uploadid")),
    Rule("PutObjectCopy", "PUT", "object", object.put_object_copy, header="x-cos-copy-source"),
    Rule("PutObject", "PUT", "object", object.put_object),
    Rule("AbortMultipartUpload", "DELETE", "object", multipart.abort_multipart_upload, ("uploadid",)),
    Rule("DeleteObject", "DELETE", "object", object.delete_object, accepts=("versionid",)),
    Rule("InitiateMultipartUpload", "POST", "object", multipart.initiate_multipart_upload, ("uploads",)),
    Rule("CompleteMultipartUpload", "POST", "object", multipart.complete_multipart_upload, ("uploadid",)),
)
# fmt: on

OPERATIONS = frozenset(rule.operation for rule in RULES)

# Every query name COS treats as an action or a resource qualifier (lower case), implemented or not:
# from the COS API reference and the official SDKs' request builders. A request carrying one of these
# is served only by a rule that names it.
SUBRESOURCES = frozenset(
    {
        # bucket and object configuration
        "acl", "cors", "lifecycle", "policy", "tagging", "versioning", "versions", "versionid", "website",
        "replication", "logging", "inventory", "referer", "domain", "domaincertificate", "encryption",
        "object-lock", "retention", "legal-hold", "intelligenttiering", "intelligent-tiering", "accelerate",
        "origin", "response-control", "notification", "requestpayment", "torrent", "metrics", "analytics",
        "publicaccessblock", "ownershipcontrols", "quota",
        # object actions
        "restore", "append", "select", "select-type", "symlink", "rename", "uploads", "uploadid",
        "partnumber", "delete", "location",
        # live channels, media and async jobs
        "live", "vod", "comp", "cancel",
    }
)  # fmt: skip
# Cloud Infinite image processing selected by the name's first segment (`?imageMogr2/thumbnail/100x`).
CI_PROCESSES = frozenset(
    {"imagemogr2", "imageview2", "watermark", "imageinfo", "exif", "imageave", "imageslim", "avinfo", "videoinfo"}
)


# Qualifiers that mean nothing when empty: Go's `Object.Download` sends `?versionId=` on every ranged GET.
_EMPTY_IS_ABSENT = frozenset({"versionid"})


def query_names(params: Mapping[str, str]) -> set[str]:
    """The query names dispatch looks at (lower case), from the request's name → first value map."""
    return {name for name, value in params.items() if value or name not in _EMPTY_IS_ABSENT}


def subresources(query: Collection[str]) -> list[str]:
    """The sub-resource names in `query` (lower-case names), in a stable order."""
    found = {name for name in query if name in SUBRESOURCES}
    found |= {name.split("/", 1)[0] for name in query if name.split("/", 1)[0] in CI_PROCESSES}
    return sorted(found)


def _article(kind: str) -> str:
    return "an" if kind == "object" else "a"


def match(
    method: str, kind: Kind, query: Collection[str], headers: Collection[str], ci_process: str | None
) -> Rule | CosError:
    """The rule serving this request, or the error to answer with (returned, not raised: the caller
    authenticates first, so an unsigned client learns nothing). Names must be lower case."""
    method = method.upper()
    if ci_process is not None and ci_process != "OCR":
        return CosError("NotImplemented", f"ci-process={ci_process} is not implemented by the emulator; only OCR is.")
    present = subresources(query)
    shaped = _shaped(kind, ci_process, tuple(present), frozenset(name for name in query if name in _RULE_QUERY))
    for rule in shaped:
        if rule.method == method and (rule.header is None or rule.header in headers):
            return rule
    if not shaped and present:
        untaken = [name for name in present if not any(r.kind == kind and name in r.query + r.accepts for r in RULES)]
        if untaken:
            return CosError("NotImplemented", f"The ?{untaken[0]} sub-resource is not implemented by the emulator.")
        return CosError(
            "InvalidRequest", f"?{'&'.join(present)} does not make a COS operation on {_article(kind)} {kind}."
        )
    allowed = sorted({rule.method for rule in shaped}) or sorted(
        {r.method for r in RULES if r.kind == kind and not r.query and r.ci_process is None}
    )
    return CosError(
        "MethodNotAllowed",
        f"{method} is not allowed on {_article(kind)} {kind}{_with(present)}; allowed: {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


_RULE_QUERY = frozenset(name for rule in RULES for name in rule.query)


@lru_cache(maxsize=1024)
def _shaped(kind: Kind, ci_process: str | None, present: tuple[str, ...], names: frozenset[str]) -> tuple[Rule, ...]:
    """The rules whose shape (target kind, ci-process, sub-resources, required query names) fits, in
    table order. Cached: a test suite sends a handful of shapes over and over."""
    return tuple(
        rule for rule in RULES
        if rule.kind == kind and rule.ci_process == ci_process and rule.takes(present)
        and all(name in names for name in rule.query)
    )  # fmt: skip


def _with(present: list[str]) -> str:
    return f" with ?{'&'.join(present)}" if present else ""


def supported_markdown() -> str:
    lines = [
        "# Supported COS operations",
        "",
        "Generated from the dispatch table (`python -m cos_ocr_emulator.dispatch > SUPPORTED.md`).",
        "",
        "| Operation | Method | Target | Query | Header | Read-only | CAM action |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        query = " ".join(f"`{q}`" for q in rule.query)
        if rule.ci_process:
            query = f"`ci-process={rule.ci_process}`"
        lines.append(
            f"| {rule.operation} | {rule.method} | {rule.kind} | {query} | {rule.header or ''} | "
            f"{'yes' if rule.read_only else ''} | `{rule.action}` |"
        )
    implemented = {name for rule in RULES for name in rule.query + rule.accepts}
    missing = sorted(SUBRESOURCES - implemented) + sorted(f"{name}/…" for name in CI_PROCESSES)
    lines += [
        "",
        "Any other `ci-process` value and these sub-resources (with or without a value) answer "
        "`501 NotImplemented`: " + ", ".join(f"`{name}`" for name in missing) + ".",
        "",
    ]
    lines += coverage_markdown()
    return "\n".join(lines)


if __name__ == "__main__":
    print(supported_markdown(), end="")
