"""The storage domain model: what the store hands to handlers. Plain frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class BucketInfo:
    name: str  # full "<name>-<appid>"
    region: str
    created: datetime  # UTC, tz-aware
    public_read: bool = False


@dataclass(frozen=True)
class StagedBody:
    """A request body already spooled to a temp file (fsynced), with its digests."""

    path: Path
    size: int
    md5_hex: str
    crc64: int  # CRC-64/XZ as COS computes it (x-cos-hash-crc64ecma)
    sha256_hex: str


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # quoted, as sent on the wire: '"<md5 hex>"' or '"<hex>-<n>"'
    crc64: int
    last_modified: datetime  # UTC, tz-aware
    content_type: str
    blob_id: str
    storage_class: str = "STANDARD"
    # Stored system headers returned on GET/HEAD (Content-Encoding, Content-Disposition,
    # Cache-Control, Expires, Content-Language), by their canonical spelling.
    headers: dict[str, str] = field(default_factory=dict)
    # User metadata: lower-case "x-cos-meta-*" names -> values.
    meta: dict[str, str] = field(default_factory=dict)


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
