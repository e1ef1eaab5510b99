"""Dispatch vectors: (method, target kind, query, headers) → exactly one COS operation."""

from __future__ import annotations

import pytest

from cos_ocr_emulator.dispatch import RULES, Rule, match, supported_markdown
from cos_ocr_emulator.errors import CosError

VECTORS = [
    ("GET", "service", set(), set(), None, "ListBuckets"),
    ("GET", "bucket", {"prefix", "delimiter", "marker", "max-keys", "encoding-type"}, set(), None, "ListObjects"),
    ("GET", "bucket", {"location"}, set(), None, "GetBucketLocation"),
    ("GET", "bucket", {"uploads", "prefix"}, set(), None, "ListMultipartUploads"),
    ("GET", "bucket", {"ci-process", "detect-url"}, set(), "OCR", "OCR"),
    ("HEAD", "bucket", set(), set(), None, "HeadBucket"),
    ("PUT", "bucket", set(), set(), None, "PutBucket"),
    ("DELETE", "bucket", set(), set(), None, "DeleteBucket"),
    ("POST", "bucket", {"delete"}, set(), None, "DeleteMultipleObjects"),
    ("GET", "object", set(), set(), None, "GetObject"),
    ("GET", "object", {"response-content-type"}, set(), None, "GetObject"),
    ("GET", "object", {"ci-process", "type"}, set(), "OCR", "OCR"),
    ("GET", "object", {"uploadid"}, set(), None, "ListParts"),
    ("HEAD", "object", set(), set(), None, "HeadObject"),
    ("PUT", "object", set(), set(), None, "PutObject"),
    ("PUT", "object", set(), {"x-cos-copy-source"}, None, "PutObjectCopy"),
    ("PUT", "object", {"partnumber", "uploadid"}, set(), None, "UploadPart"),
    ("PUT", "object", {"partnumber", "uploadid"}, {"x-cos-copy-source"}, None, "UploadPartCopy"),
    ("POST", "object", {"uploads"}, set(), None, "InitiateMultipartUpload"),
    ("POST", "object", {"uploadid"}, set(), None, "CompleteMultipartUpload"),
    ("DELETE", "object", {"uploadid"}, set(), None, "AbortMultipartUpload"),
    ("DELETE", "object", set(), set(), None, "DeleteObject"),
    ("get", "object", set(), set(), None, "GetObject"),
    # Configurations, restore, append, symlinks: a keyed GET before the listing it would otherwise match.
    ("GET", "bucket", {"inventory", "id"}, set(), None, "GetBucketInventory"),
    ("GET", "bucket", {"inventory"}, set(), None, "ListBucketInventoryConfigurations"),
    ("POST", "bucket", {"inventory", "id"}, set(), None, "PostBucketInventory"),
    ("GET", "bucket", {"intelligent-tiering", "id"}, set(), None, "GetBucketIntelligentTieringV2"),
    ("GET", "bucket", {"intelligent-tiering"}, set(), None, "ListBucketIntelligentTiering"),
    ("GET", "bucket", {"intelligenttiering"}, set(), None, "GetBucketIntelligentTiering"),
    ("DELETE", "bucket", {"response-control"}, set(), None, "DeleteBucketResponseControl"),
    ("DELETE", "bucket", {"domaincertificate", "domainname"}, set(), None, "DeleteBucketDomainCertificate"),
    ("PUT", "bucket", {"referer"}, set(), None, "PutBucketReferer"),
    ("POST", "object", {"append", "position"}, set(), None, "AppendObject"),
    ("POST", "object", {"restore", "versionid"}, set(), None, "PostObjectRestore"),
    ("PUT", "object", {"symlink"}, {"x-cos-symlink-target"}, None, "PutSymlink"),
    ("GET", "object", {"symlink"}, set(), None, "GetSymlink"),
]


@pytest.mark.parametrize(("method", "kind", "query", "headers", "ci", "operation"), VECTORS)
def test_operation_vectors(method, kind, query, headers, ci, operation):
    rule = match(method, kind, query, headers, ci)
    assert isinstance(rule, Rule) and rule.operation == operation


@pytest.mark.parametrize(
    ("method", "kind"), [("POST", "object"), ("PATCH", "bucket"), ("PUT", "service"), ("OPTIONS", "service")]
)
def test_unknown_method_is_method_not_allowed(method, kind):
    error = match(method, kind, set(), set(), None)
    assert isinstance(error, CosError)
    assert (error.code, error.status) == ("MethodNotAllowed", 405)
    assert method not in error.headers["Allow"]


@pytest.mark.parametrize("query", [{"notification"}, {"accelerate"}, {"live"}, {"requestpayment"}])
def test_unimplemented_subresources_answer_501(query):
    error = match("GET", "bucket", query, set(), None)
    assert isinstance(error, CosError)
    assert (error.code, error.status) == ("NotImplemented", 501)


def test_other_ci_process_is_not_implemented():
    error = match("GET", "object", {"ci-process"}, set(), "DocPreview")
    assert isinstance(error, CosError) and error.code == "NotImplemented"
    assert "DocPreview" in error.message


@pytest.mark.parametrize(
    ("method", "kind", "query", "operation"),
    [
        ("GET", "bucket", {"acl"}, "GetBucketACL"),
        ("PUT", "object", {"acl"}, "PutObjectACL"),
        ("DELETE", "bucket", {"cors"}, "DeleteBucketCORS"),
        ("OPTIONS", "object", set(), "OptionsObject"),
        ("OPTIONS", "bucket", set(), "OptionsObject"),
        ("PUT", "object", {"tagging"}, "PutObjectTagging"),
        ("DELETE", "bucket", {"tagging"}, "DeleteBucketTagging"),
        ("GET", "bucket", {"versioning"}, "GetBucketVersioning"),
        ("GET", "bucket", {"versions", "prefix"}, "ListObjectVersions"),
        ("PUT", "bucket", {"policy"}, "PutBucketPolicy"),
    ],
)
def test_configuration_subresources(method, kind, query, operation):
    rule = match(method, kind, query, set(), None)
    assert not isinstance(rule, CosError), rule
    assert rule.operation == operation


def test_versionid_is_taken_by_the_object_reads_and_deletes():
    for method, operation in (("GET", "GetObject"), ("HEAD", "HeadObject"), ("DELETE", "DeleteObject")):
        rule = match(method, "object", {"versionid"}, set(), None)
        assert not isinstance(rule, CosError) and rule.operation == operation


def test_actions():
    actions = {rule.operation: rule.action for rule in RULES}
    assert actions["ListObjectVersions"] == "cos:GetBucketObjectVersions"
    assert actions["OCR"] == "ci:CreateOCRJob"
    assert actions["GetObject"] == "cos:GetObject"


@pytest.mark.parametrize(
    ("method", "kind", "query", "code", "allowed"),
    [
        # a sub-resource the emulator lacks, with any method: never the plain operation
        ("DELETE", "bucket", {"notification"}, "NotImplemented", None),
        ("DELETE", "bucket", {"object-lock"}, "MethodNotAllowed", "GET, PUT"),
        ("PUT", "object", {"live", "switch"}, "NotImplemented", None),
        ("POST", "object", {"vod", "starttime", "endtime"}, "NotImplemented", None),
        ("GET", "object", {"imagemogr2/thumbnail/100x"}, "NotImplemented", None),
        ("GET", "bucket", {"versionid"}, "NotImplemented", None),
        # an implemented sub-resource with the wrong method: 405 listing only what that shape allows
        ("GET", "bucket", {"delete"}, "MethodNotAllowed", "POST"),
        ("PUT", "object", {"uploads"}, "MethodNotAllowed", "POST"),
        ("POST", "object", set(), "MethodNotAllowed", "DELETE, GET, HEAD, OPTIONS, PUT"),
        # implemented names that do not make an operation together
        ("PUT", "object", {"partnumber"}, "InvalidRequest", None),
    ],
)
def test_allow_list(method, kind, query, code, allowed):
    error = match(method, kind, query, set(), None)
    assert isinstance(error, CosError), error
    assert error.code == code, error
    if allowed is not None:
        assert error.headers["Allow"] == allowed


def test_supported_md_is_generated_from_the_table():
    text = supported_markdown()
    assert "| UploadPartCopy | PUT | object |" in text
    with open("SUPPORTED.md", encoding="utf-8") as fh:
        assert fh.read() == text, "run: python -m cos_ocr_emulator.dispatch > SUPPORTED.md"


def test_an_empty_version_id_is_no_version_id():
    # Go's Object.Download sends `?versionId=` with every ranged GET.
    from cos_ocr_emulator.dispatch import query_names

    rule = match("GET", "object", query_names({"versionid": ""}), set(), None)
    assert isinstance(rule, Rule) and rule.operation == "GetObject"
    assert query_names({"versionid": ""}) == set()
    assert query_names({"versionid": "MTg0NDUxNzc", "acl": ""}) == {"versionid", "acl"}
