"""Which COS operation a request is: (method, target kind, query, headers) → operation name. Pure.

This is the only place that decides an operation's identity; the table below also generates
SUPPORTED.md (`python -m cos_ocr_emulator.dispatch > SUPPORTED.md`). Rules are tried in order and the first
whose conditions all hold wins, so more specific rules come first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from cos_ocr_emulator.errors import CosError


@dataclass(frozen=True)
class Rule:
    operation: str
    method: str
    kind: str  # "service" | "bucket" | "object"
    query: tuple[str, ...] = ()  # query names that must be present (lower case)
    header: str | None = None  # a header that must be present (lower case)
    ci_process: str | None = None  # required value of ci-process


RULES: tuple[Rule, ...] = (
    Rule("ListBuckets", "GET", "service"),
    # Bucket level
    Rule("OCR", "GET", "bucket", ci_process="OCR"),
    Rule("GetBucketLocation", "GET", "bucket", ("location",)),
    Rule("ListMultipartUploads", "GET", "bucket", ("uploads",)),
    Rule("GetBucketACL", "GET", "bucket", ("acl",)),
    Rule("PutBucketACL", "PUT", "bucket", ("acl",)),
    Rule("GetBucketCORS", "GET", "bucket", ("cors",)),
    Rule("PutBucketCORS", "PUT", "bucket", ("cors",)),
    Rule("DeleteBucketCORS", "DELETE", "bucket", ("cors",)),
    Rule("GetBucketTagging", "GET", "bucket", ("tagging",)),
    Rule("PutBucketTagging", "PUT", "bucket", ("tagging",)),
    Rule("DeleteBucketTagging", "DELETE", "bucket", ("tagging",)),
    Rule("GetBucketVersioning", "GET", "bucket", ("versioning",)),
    Rule("PutBucketVersioning", "PUT", "bucket", ("versioning",)),
    Rule("ListObjectVersions", "GET", "bucket", ("versions",)),
    Rule("GetBucketPolicy", "GET", "bucket", ("policy",)),
    Rule("PutBucketPolicy", "PUT", "bucket", ("policy",)),
    Rule("DeleteBucketPolicy", "DELETE", "bucket", ("policy",)),
    Rule("OptionsObject", "OPTIONS", "bucket"),
    Rule("ListObjects", "GET", "bucket"),
    Rule("HeadBucket", "HEAD", "bucket"),
    Rule("PutBucket", "PUT", "bucket"),
    Rule("DeleteBucket", "DELETE", "bucket"),
    Rule("DeleteMultipleObjects", "POST", "bucket", ("delete",)),
    # Object level
    Rule("OCR", "GET", "object", ci_process="OCR"),
    Rule("ListParts", "GET", "object", ("uploadid",)),
    Rule("GetObjectACL", "GET", "object", ("acl",)),
    Rule("PutObjectACL", "PUT", "object", ("acl",)),
    Rule("GetObjectTagging", "GET", "object", ("tagging",)),
    Rule("PutObjectTagging", "PUT", "object", ("tagging",)),
    Rule("DeleteObjectTagging", "DELETE", "object", ("tagging",)),
    Rule("OptionsObject", "OPTIONS", "object"),
    Rule("GetObject", "GET", "object"),
    Rule("HeadObject", "HEAD", "object"),
    Rule("UploadPartCopy", "PUT", "object", ("partnumber", "uploadid"), header="x-cos-copy-source"),
    Rule("UploadPart", "PUT", "object", ("partnumber", "uploadid")),
    Rule("PutObjectCopy", "PUT", "object", header="x-cos-copy-source"),
    Rule("PutObject", "PUT", "object"),
    Rule("AbortMultipartUpload", "DELETE", "object", ("uploadid",)),
    Rule("DeleteObject", "DELETE", "object"),
    Rule("InitiateMultipartUpload", "POST", "object", ("uploads",)),
    Rule("CompleteMultipartUpload", "POST", "object", ("uploadid",)),
)

# Sub-resources COS has that the emulator does not implement: answered 501, never silently ignored
# (a GET ?acl served as a plain GET Object would hand the client the object bytes instead).
UNSUPPORTED_SUBRESOURCES = frozenset(
    {
        "lifecycle", "website", "replication",
        "logging", "inventory", "referer", "domain", "restore", "append", "select", "encryption",
        "object-lock", "intelligenttiering", "accelerate", "origin", "symlink", "rename",
    }
)  # fmt: skip

# The permission each operation needs in a key's `actions` list (CAM style).
CI_ACTIONS = {"OCR": "ci:CreateOCRJob", "ListObjectVersions": "cos:GetBucketObjectVersions"}

READ_ONLY = frozenset({"GetObject", "HeadObject", "ListObjects", "HeadBucket", "GetBucketLocation"})
# Browsers never sign a CORS preflight; it is answered from the bucket's CORS rules alone.
UNSIGNED = frozenset({"OptionsObject"})


def action_for(operation: str) -> str:
    return CI_ACTIONS.get(operation, f"cos:{operation}")


def operation_for(
    method: str, kind: str, query: Collection[str], headers: Collection[str], ci_process: str | None
) -> str:
    """Query and header names must be lower case. Raises MethodNotAllowed / NotImplemented."""
    method = method.upper()
    if ci_process is not None and ci_process != "OCR":
        raise CosError("NotImplemented", f"ci-process={ci_process} is not implemented by the emulator; only OCR is.")
    unsupported = sorted(UNSUPPORTED_SUBRESOURCES.intersection(query))
    if unsupported:
        raise CosError("NotImplemented", f"The ?{unsupported[0]} sub-resource is not implemented by the emulator.")
    for rule in RULES:
        if rule.method != method or rule.kind != kind:
            continue
        if rule.ci_process is not None and rule.ci_process != ci_process:
            continue
        if any(name not in query for name in rule.query):
            continue
        if rule.header is not None and rule.header not in headers:
            continue
        return rule.operation
    allowed = sorted({r.method for r in RULES if r.kind == kind})
    raise CosError(
        "MethodNotAllowed",
        f"{method} is not allowed on {'an' if kind == 'object' else 'a'} {kind}; allowed: {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


def supported_markdown() -> str:
    lines = [
        "# Supported COS operations",
        "",
        "| Operation | Method | Target | Query | Header |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        query = " ".join(f"`{q}`" for q in rule.query)
        if rule.ci_process:
            query = f"`ci-process={rule.ci_process}`"
        lines.append(f"| {rule.operation} | {rule.method} | {rule.kind} | {query} | {rule.header or ''} |")
    lines += ["", "Sub-resources answered `501 NotImplemented`: " + ", ".join(sorted(UNSUPPORTED_SUBRESOURCES)), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(supported_markdown(), end="")
