"""COS XML bodies: errors, listings, multipart and copy results, and the two request bodies we parse.

Shapes follow the COS API pages and what the SDKs parse (docs/wire-compat.md §5.3, §5.4, §6.1): no namespace,
booleans in lower case, `Contents`/`CommonPrefixes` repeated, keys percent-encoded (`%20`, never `+`)
when the client asked for `encoding-type=url`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_DELETE_KEYS, MAX_KEYS
from cos_ocr_emulator.storage.models import BucketInfo, DeleteOutcome, ListResult, ObjectInfo, PartInfo, UploadInfo
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.parse import child_text, local, parse_body

OWNER_DISPLAY = "qcs::cam::uin/100000000001:uin/100000000001"


def iso8601(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _enc(value: str, url: bool) -> str:
    # Python's SDK runs unquote (not unquote_plus) on these, so '+' and '%' must be escaped too.
    return quote(value, safe="/") if url else value


def owner_nodes(appid: str) -> list[Node]:
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
    return document("ListAllMyBucketsResult", [("Owner", owner_nodes(appid)), ("Buckets", items)])


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
        ("Owner", owner_nodes(appid)),
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
        ("Initiator", owner_nodes(appid)),
        ("Owner", owner_nodes(appid)),
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
                    ("Initiator", owner_nodes(appid)),
                    ("Owner", owner_nodes(appid)),
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
    deleted: Sequence[tuple[str, str | None, DeleteOutcome]],
    errors: Sequence[tuple[str, str, str]],
    *,
    quiet: bool,
    url_encode: bool,
) -> bytes:
    """`deleted`: (key, version id asked for, what the delete did)."""
    children: list[Node] = []
    for key, asked, outcome in [] if quiet else deleted:
        entry: list[Node] = [("Key", _enc(key, url_encode))]
        if asked is not None:
            entry.append(("VersionId", asked))
        if outcome.delete_marker:
            entry.append(("DeleteMarker", True))
            entry.append(("DeleteMarkerVersionId", outcome.version_id or ""))
        children.append(("Deleted", entry))
    children += [
        ("Error", [("Key", _enc(key, url_encode)), ("Code", code), ("Message", message)])
        for key, code, message in errors
    ]
    return document("DeleteResult", children)


# --- request bodies ---------------------------------------------------------------------------


def parse_complete_multipart(body: bytes) -> list[tuple[int, str]]:
    """`<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…` → [(number, etag)]."""
    root = parse_body(body, "CompleteMultipartUpload")
    parts: list[tuple[int, str]] = []
    for part in root:
        if local(part.tag) != "Part":
            continue
        number, etag = child_text(part, "PartNumber"), child_text(part, "ETag")
        if number is None or etag is None or not number.isdigit():
            raise CosError("MalformedXML", "Each <Part> needs a numeric <PartNumber> and an <ETag>.")
        parts.append((int(number), etag))
    if not parts:
        raise CosError("MalformedXML", "<CompleteMultipartUpload> lists no parts.")
    return parts


def parse_delete(body: bytes) -> tuple[list[tuple[str, str | None]], bool]:
    """`<Delete><Quiet/><Object><Key/><VersionId/></Object>…` → ([(key, version id or None)], quiet)."""
    root = parse_body(body, "Delete")
    quiet = (child_text(root, "Quiet") or "false").lower() == "true"
    keys: list[tuple[str, str | None]] = []
    for obj in root:
        if local(obj.tag) != "Object":
            continue
        key = child_text(obj, "Key")
        if not key:
            raise CosError("MalformedXML", "Each <Object> needs a non-empty <Key>.")
        keys.append((key, child_text(obj, "VersionId") or None))
    if not keys:
        raise CosError("MalformedXML", "<Delete> lists no objects.")
    if len(keys) > MAX_DELETE_KEYS:
        raise CosError("MalformedXML", f"<Delete> may list at most {MAX_DELETE_KEYS} objects.")
    return keys, quiet
