"""COS XML bodies: errors, listings, multipart and copy results, and the two request bodies we parse.

Shapes follow the COS API pages and what the SDKs parse (docs/wire-compat.md §5.3, §5.4, §6.1): no namespace,
booleans in lower case, `Contents`/`CommonPrefixes` repeated, keys percent-encoded (`%20`, never `+`)
when the client asked for `encoding-type=url`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_DELETE_KEYS, MAX_KEYS
from cos_ocr_emulator.storage.models import BucketInfo, ListResult, ObjectInfo, PartInfo, UploadInfo
from cos_ocr_emulator.xml._writer import Node, document

OWNER_DISPLAY = "qcs::cam::uin/100000000001:uin/100000000001"


def iso8601(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _enc(value: str, url: bool) -> str:
    # Python's SDK runs unquote (not unquote_plus) on these, so '+' and '%' must be escaped too.
    return quote(value, safe="/") if url else value


def _owner(appid: str) -> list[Node]:
    return [("ID", f"qcs::cam::uin/{appid}:uin/{appid}"), ("DisplayName", appid)]


def render_error(error: CosError, request_id: str, trace_id: str) -> bytes:
    children: list[Node] = [
        ("Code", error.code),
        ("Message", error.message),
        # The Python SDK reads every field as "Unknown" if any of these four is empty (§6.2).
        ("Resource", error.resource or "-"),
        ("RequestId", request_id),
        ("TraceId", trace_id),
    ]
    children.extend(error.extra.items())
    return document("Error", children)


def render_list_buckets(buckets: Sequence[BucketInfo], appid: str) -> bytes:
    items: list[Node] = [
        (
            "Bucket",
            [
                ("Name", b.name),
                ("Location", b.region),
                ("CreationDate", iso8601(b.created)),
                ("BucketType", "cos"),
            ],
        )
        for b in buckets
    ]
    return document("ListAllMyBucketsResult", [("Owner", _owner(appid)), ("Buckets", items)])


def render_list_objects(
    bucket: str,
    result: ListResult,
    *,
    prefix: str,
    delimiter: str,
    marker: str,
    max_keys: int,
    url_encode: bool,
    appid: str,
) -> bytes:
    children: list[Node] = [("Name", bucket)]
    if url_encode:
        children.append(("EncodingType", "url"))
    children += [("Prefix", _enc(prefix, url_encode)), ("Marker", _enc(marker, url_encode))]
    children.append(("MaxKeys", max_keys))
    if delimiter:
        children.append(("Delimiter", _enc(delimiter, url_encode)))
    children.append(("IsTruncated", result.is_truncated))
    if result.is_truncated and result.next_marker is not None:
        children.append(("NextMarker", _enc(result.next_marker, url_encode)))
    for obj in result.contents:
        children.append(("Contents", _contents(obj, url_encode, appid)))
    for common in result.common_prefixes:
        children.append(("CommonPrefixes", [("Prefix", _enc(common, url_encode))]))
    return document("ListBucketResult", children)


def _contents(obj: ObjectInfo, url_encode: bool, appid: str) -> list[Node]:
    return [
        ("Key", _enc(obj.key, url_encode)),
        ("LastModified", iso8601(obj.last_modified)),
        ("ETag", obj.etag),
        ("Size", obj.size),
        ("Owner", _owner(appid)),
        ("StorageClass", obj.storage_class),
    ]


def render_location(region: str) -> bytes:
    return document("LocationConstraint", region)


def render_initiate(upload: UploadInfo) -> bytes:
    return document(
        "InitiateMultipartUploadResult",
        [("Bucket", upload.bucket), ("Key", upload.key), ("UploadId", upload.upload_id)],
    )


def render_complete(location: str, obj: ObjectInfo) -> bytes:
    return document(
        "CompleteMultipartUploadResult",
        [("Location", location), ("Bucket", obj.bucket), ("Key", obj.key), ("ETag", obj.etag)],
    )


def render_list_parts(
    upload: UploadInfo, parts: Sequence[PartInfo], *, max_parts: int, marker: int, url_encode: bool, appid: str
) -> bytes:
    shown = [p for p in parts if p.part_number > marker]
    truncated = len(shown) > max_parts
    shown = shown[:max_parts]
    children: list[Node] = [("Bucket", upload.bucket)]
    if url_encode:
        children.append(("EncodingType", "url"))
    children += [
        ("Key", _enc(upload.key, url_encode)),
        ("UploadId", upload.upload_id),
        ("Initiator", _owner(appid)),
        ("Owner", _owner(appid)),
        ("StorageClass", upload.storage_class),
        ("PartNumberMarker", marker),
        ("NextPartNumberMarker", shown[-1].part_number if shown else marker),
        ("MaxParts", max_parts),
        ("IsTruncated", truncated),
    ]
    for part in shown:
        children.append(
            (
                "Part",
                [
                    ("PartNumber", part.part_number),
                    ("LastModified", iso8601(part.last_modified)),
                    ("ETag", part.etag),
                    ("Size", part.size),
                ],
            )
        )
    return document("ListPartsResult", children)


def render_list_uploads(
    bucket: str, uploads: Sequence[UploadInfo], *, prefix: str, url_encode: bool, appid: str
) -> bytes:
    children: list[Node] = [("Bucket", bucket)]
    if url_encode:
        children.append(("EncodingType", "url"))
    children += [
        ("KeyMarker", None),
        ("UploadIdMarker", None),
        ("NextKeyMarker", None),
        ("NextUploadIdMarker", None),
        ("MaxUploads", MAX_KEYS),
        ("IsTruncated", False),
        ("Prefix", _enc(prefix, url_encode)),
    ]
    for up in uploads:
        children.append(
            (
                "Upload",
                [
                    ("Key", _enc(up.key, url_encode)),
                    ("UploadId", up.upload_id),
                    ("StorageClass", up.storage_class),
                    ("Initiator", _owner(appid)),
                    ("Owner", _owner(appid)),
                    ("Initiated", iso8601(up.initiated)),
                ],
            )
        )
    return document("ListMultipartUploadsResult", children)


def render_copy_object(obj: ObjectInfo) -> bytes:
    return document(
        "CopyObjectResult",
        [("ETag", obj.etag), ("CRC64", str(obj.crc64)), ("LastModified", iso8601(obj.last_modified))],
    )


def render_copy_part(part: PartInfo) -> bytes:
    return document(
        "CopyPartResult",
        [("ETag", part.etag), ("CRC64", str(part.crc64)), ("LastModified", iso8601(part.last_modified))],
    )


def render_delete_result(
    deleted: Sequence[str], errors: Sequence[tuple[str, str, str]], *, quiet: bool, url_encode: bool
) -> bytes:
    children: list[Node] = []
    if not quiet:
        children += [("Deleted", [("Key", _enc(key, url_encode))]) for key in deleted]
    children += [
        ("Error", [("Key", _enc(key, url_encode)), ("Code", code), ("Message", message)])
        for key, code, message in errors
    ]
    return document("DeleteResult", children)


# --- request bodies ---------------------------------------------------------------------------


def _parse(body: bytes, root: str) -> ET.Element:
    # No DTDs: they are never needed by COS bodies and are the way in for entity-expansion attacks.
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise CosError("MalformedXML", "DTDs and entities are not allowed in request bodies.")
    try:
        element = ET.fromstring(body)
    except ET.ParseError as exc:
        raise CosError("MalformedXML", f"The XML you provided was not well-formed: {exc}.") from exc
    if _local(element.tag) != root:
        raise CosError("MalformedXML", f"Expected a <{root}> root element, got <{_local(element.tag)}>.")
    return element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def parse_complete_multipart(body: bytes) -> list[tuple[int, str]]:
    """`<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…` → [(number, etag)]."""
    root = _parse(body, "CompleteMultipartUpload")
    parts: list[tuple[int, str]] = []
    for part in root:
        if _local(part.tag) != "Part":
            continue
        number, etag = _child_text(part, "PartNumber"), _child_text(part, "ETag")
        if number is None or etag is None or not number.isdigit():
            raise CosError("MalformedXML", "Each <Part> needs a numeric <PartNumber> and an <ETag>.")
        parts.append((int(number), etag))
    if not parts:
        raise CosError("MalformedXML", "<CompleteMultipartUpload> lists no parts.")
    return parts


def parse_delete(body: bytes) -> tuple[list[str], bool]:
    """`<Delete><Quiet/><Object><Key/></Object>…` → (keys, quiet)."""
    root = _parse(body, "Delete")
    quiet = (_child_text(root, "Quiet") or "false").lower() == "true"
    keys: list[str] = []
    for obj in root:
        if _local(obj.tag) != "Object":
            continue
        key = _child_text(obj, "Key")
        if not key:
            raise CosError("MalformedXML", "Each <Object> needs a non-empty <Key>.")
        keys.append(key)
    if not keys:
        raise CosError("MalformedXML", "<Delete> lists no objects.")
    if len(keys) > MAX_DELETE_KEYS:
        raise CosError("MalformedXML", f"<Delete> may list at most {MAX_DELETE_KEYS} objects.")
    return keys, quiet
