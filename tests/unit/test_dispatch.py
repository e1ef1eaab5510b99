"""Dispatch vectors: (method, target kind, query, headers) → exactly one COS operation."""

from __future__ import annotations

import pytest

from cos_ocr_emulator.dispatch import action_for, operation_for, supported_markdown
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
]


@pytest.mark.parametrize(("method", "kind", "query", "headers", "ci", "operation"), VECTORS)
def test_operation_vectors(method, kind, query, headers, ci, operation):
    assert operation_for(method, kind, query, headers, ci) == operation


@pytest.mark.parametrize(
    ("method", "kind"), [("POST", "object"), ("PATCH", "bucket"), ("PUT", "service"), ("OPTIONS", "service")]
)
def test_unknown_method_is_method_not_allowed(method, kind):
    with pytest.raises(CosError) as info:
        operation_for(method, kind, set(), set(), None)
    assert (info.value.code, info.value.status) == ("MethodNotAllowed", 405)
    assert "Allow" in info.value.headers


@pytest.mark.parametrize("query", [{"lifecycle"}, {"website"}, {"replication"}, {"logging"}])
def test_unimplemented_subresources_answer_501(query):
    with pytest.raises(CosError) as info:
        operation_for("GET", "bucket", query, set(), None)
    assert (info.value.code, info.value.status) == ("NotImplemented", 501)


def test_other_ci_process_is_not_implemented():
    with pytest.raises(CosError) as info:
        operation_for("GET", "object", {"ci-process"}, set(), "DocPreview")
    assert info.value.code == "NotImplemented"
    assert "DocPreview" in info.value.message


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
    assert operation_for(method, kind, query, set(), None) == operation


def test_actions():
    assert action_for("OCR") == "ci:CreateOCRJob"
    assert action_for("GetObject") == "cos:GetObject"


def test_supported_md_is_generated_from_the_table():
    text = supported_markdown()
    assert "| UploadPartCopy | PUT | object |" in text
    with open("SUPPORTED.md", encoding="utf-8") as fh:
        assert fh.read() == text, "run: python -m cos_ocr_emulator.dispatch > SUPPORTED.md"
