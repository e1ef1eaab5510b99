"""`<VersioningConfiguration>` both ways, and the `<ListVersionsResult>` of GET Bucket `?versions`."""

from __future__ import annotations

from urllib.parse import quote

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.models import VersionListing
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.parse import child_text, parse_body

STATES = ("Enabled", "Suspended")


def render_versioning(status: str | None) -> bytes:
    return document("VersioningConfiguration", [] if status is None else [("Status", status)])


def parse_versioning(body: bytes) -> str:
    status = child_text(parse_body(body, "VersioningConfiguration"), "Status")
    if status not in STATES:
        raise CosError("MalformedXML", f"<Status> must be Enabled or Suspended, not {status!r}.")
    return status


def render_list_versions(
    bucket: str,
    listing: VersionListing,
    *,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_id_marker: str,
    max_keys: int,
    url_encode: bool,
    owner: list[Node],
) -> bytes:
    def enc(value: str) -> str:
        return quote(value, safe="/") if url_encode else value

    children: list[Node] = [("Name", bucket)]
    if url_encode:
        children.append(("EncodingType", "url"))
    children += [
        ("Prefix", enc(prefix)),
        ("KeyMarker", enc(key_marker)),
        ("VersionIdMarker", version_id_marker),
        ("MaxKeys", max_keys),
    ]
    if delimiter:
        children.append(("Delimiter", enc(delimiter)))
    children.append(("IsTruncated", listing.is_truncated))
    if listing.is_truncated:
        children.append(("NextKeyMarker", enc(listing.next_key_marker or "")))
        children.append(("NextVersionIdMarker", listing.next_version_id_marker or ""))
    for e in listing.entries:
        common: list[Node] = [
            ("Key", enc(e.key)),
            ("VersionId", e.version_id),
            ("IsLatest", e.is_latest),
            ("LastModified", e.last_modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
            ("Owner", owner),
        ]
        if e.delete_marker:
            children.append(("DeleteMarker", common))
        else:
            common[4:4] = [("ETag", e.etag), ("Size", e.size), ("StorageClass", e.storage_class)]
            children.append(("Version", common))
    for p in listing.common_prefixes:
        children.append(("CommonPrefixes", [("Prefix", enc(p))]))
    return document("ListVersionsResult", children)
