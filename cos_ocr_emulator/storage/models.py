"""The storage domain model: what the store hands to handlers. Plain frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

NULL_VERSION = "null"  # the version id of objects written while versioning was never enabled or suspended


@dataclass(frozen=True)
class BucketInfo:
    name: str  # full "<name>-<appid>"
    region: str
    created: datetime  # UTC, tz-aware
    public_read: bool = False


@dataclass(frozen=True)
class StagedBody:
    """A request body received whole, with its digests: either held in memory (`data`, a small body
    that will be stored inside the metadata database) or spooled to a temp file (`path`, fsynced when
    published). Exactly one of the two is set."""

    path: Path | None
    size: int
    md5_hex: str
    crc64: int  # CRC-64/XZ as COS computes it (x-cos-hash-crc64ecma)
    sha256_hex: str
    data: bytes | None = None


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # quoted, as sent on the wire: '"<md5 hex>"' or '"<hex>-<n>"'
    crc64: int
    last_modified: datetime  # UTC, tz-aware
    content_type: str
    blob_id: str  # the content's SHA-256 (hex): blobs are content-addressed (the OCR cache keys on it)
    storage_class: str = "STANDARD"
    # Stored system headers returned on GET/HEAD (Content-Encoding, Content-Disposition,
    # Cache-Control, Expires, Content-Language), by their canonical spelling.
    headers: dict[str, str] = field(default_factory=dict)
    # User metadata: lower-case "x-cos-meta-*" names -> values.
    meta: dict[str, str] = field(default_factory=dict)
    version_id: str = NULL_VERSION
    acl: str = ""  # the object's ACL document (cos/acl.py), "" = default: inherit the bucket's
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class VersionEntry:
    """One row of ListObjectVersions: an object version or a delete marker."""

    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    last_modified: datetime
    size: int = 0
    etag: str = ""
    storage_class: str = "STANDARD"


@dataclass(frozen=True)
class VersionListing:
    entries: list[VersionEntry]
    common_prefixes: list[str]
    is_truncated: bool
    next_key_marker: str | None
    next_version_id_marker: str | None


@dataclass(frozen=True)
class DeleteOutcome:
    """What a DELETE did: the version it removed or the delete marker it wrote (None: unversioned)."""

    version_id: str | None = None
    delete_marker: bool = False


@dataclass(frozen=True)
class ListResult:
    contents: list[ObjectInfo]
    common_prefixes: list[str]
    is_truncated: bool
    next_marker: str | None


@dataclass(frozen=True)
class UploadInfo:
    bucket: str
    key: str
    upload_id: str
    initiated: datetime
    content_type: str
    storage_class: str = "STANDARD"
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    acl: str = ""
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PartInfo:
    part_number: int
    etag: str  # quoted md5 hex
    size: int
    crc64: int
    last_modified: datetime


@dataclass(frozen=True)
class NewObject:
    """What a PUT (or Complete, or Copy) asks the store to record besides the bytes."""

    content_type: str = "application/octet-stream"
    storage_class: str = "STANDARD"
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    acl: str = ""
    tags: tuple[tuple[str, str], ...] = ()
