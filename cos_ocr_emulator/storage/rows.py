"""Row <-> value conversions shared by the metadata modules (no SQL that changes anything here)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from cos_ocr_emulator.storage.models import ObjectInfo, UploadInfo

OBJECT_COLS = (
    "bucket, key, blob_id, size, md5_hex, etag, crc64, last_modified, content_type, storage_class, headers, meta,"
    " version_id, acl, tags"
)


def to_dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def from_dt(dt: datetime) -> int:
    return int(dt.timestamp())


def dump(d: dict[str, str]) -> str:
    # Most objects have no stored headers, meta or tags: skip the encoder (same text as json.dumps).
    return json.dumps(d, ensure_ascii=False, sort_keys=True) if d else "{}"


def load(s: str) -> dict[str, str]:
    value: dict[str, str] = json.loads(s)
    return value


def dump_tags(tags: tuple[tuple[str, str], ...]) -> str:
    return json.dumps([list(pair) for pair in tags], ensure_ascii=False) if tags else "[]"


def load_tags(s: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in json.loads(s))


def object_row(row: sqlite3.Row) -> ObjectInfo:
    return ObjectInfo(
        bucket=row["bucket"],
        key=row["key"],
        size=row["size"],
        etag=row["etag"],
        crc64=int(row["crc64"]),
        last_modified=to_dt(row["last_modified"]),
        content_type=row["content_type"],
        blob_id=row["blob_id"],
        storage_class=row["storage_class"],
        headers=load(row["headers"]),
        meta=load(row["meta"]),
        version_id=row["version_id"],
        acl=row["acl"],
        tags=load_tags(row["tags"]),
    )


def upload_row(row: sqlite3.Row) -> UploadInfo:
    return UploadInfo(
        bucket=row["bucket"],
        key=row["key"],
        upload_id=row["upload_id"],
        initiated=to_dt(row["initiated"]),
        content_type=row["content_type"],
        storage_class=row["storage_class"],
        headers=load(row["headers"]),
        meta=load(row["meta"]),
        acl=row["acl"],
        tags=load_tags(row["tags"]),
    )


def prefix_upper(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix` (None: no such bound).

    Code-point order equals UTF-8 byte order, so this bound is valid for SQLite's BINARY collation.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1])
        if code < 0x10FFFF:
            code += 1
            if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be encoded as UTF-8; skip the block
                code = 0xE000
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None
