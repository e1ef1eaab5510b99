"""Object versions: the SQL behind versioned buckets, and the rules COS applies when a key is written or
deleted under each versioning state.

`objects` holds exactly the current version of each key (never a delete marker), so reads and plain
listings never look here. `object_versions` holds every noncurrent version and every delete marker,
ordered within a key by `seq`. The latest entry of a key is its `objects` row if there is one, else its
highest-`seq` `object_versions` row (then a delete marker: the key reads as deleted).

The three states (S3 semantics, which COS follows):
- never enabled (no config): a write replaces the current row, a delete removes it; version id "null".
- Enabled: a write pushes the current row down and installs a fresh version id; a delete without a
  version id pushes the current row down and writes a delete marker.
- Suspended: like Enabled, but what is written (object or marker) gets version id "null", replacing
  whatever "null" version the key had, current or not.
A delete with a version id removes exactly that version; if it was current, the newest remaining version
becomes current again (unless that is a delete marker).

Everything here runs inside one `MetaDB.tx(write=True)`, and returns the blob ids that no row needs any
more so the store can release them after the commit.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Generator
from datetime import datetime
from typing import TYPE_CHECKING

from cos_ocr_emulator.errors import CosError, no_such_bucket, no_such_key
from cos_ocr_emulator.storage.models import NULL_VERSION, DeleteOutcome, ObjectInfo, VersionEntry, VersionListing
from cos_ocr_emulator.storage.rows import OBJECT_COLS, dump, dump_tags, from_dt, object_row, prefix_upper, to_dt

if TYPE_CHECKING:
    from cos_ocr_emulator.storage.meta import MetaTx

VERSIONING = "versioning"  # the bucket_configs name holding "Enabled" / "Suspended"
_CURRENT_SEQ = 2**63 - 1  # sorts the current row above every stored version of its key
_VERSION_COLS = OBJECT_COLS + ", seq, delete_marker"


class Lookup:
    """`install`'s default: read the versioning state itself."""


LOOKUP = Lookup()


class VersionTx:
    """SQL for `object_versions` and `bucket_configs`; mixed into `MetaTx` (one connection, one transaction)."""

    _c: sqlite3.Connection
    configs_changed = False  # set by the statements that change bucket_configs (readcache.py)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    # --- bucket configuration documents -------------------------------------------------------
    def get_config(self, bucket: str, name: str) -> str | None:
        row = self._c.execute(
            "SELECT document FROM bucket_configs WHERE bucket = ? AND name = ?", (bucket, name)
        ).fetchone()
        return None if row is None else str(row[0])

    def configs(self, bucket: str) -> dict[str, str]:
        rows = self._c.execute("SELECT name, document FROM bucket_configs WHERE bucket = ? ORDER BY name", (bucket,))
        return {str(r[0]): str(r[1]) for r in rows}

    def put_state(self, bucket: str, key: str) -> tuple[bool, str | None, str | None]:
        """(whether the bucket exists, its versioning state, the blob id of the key's current row) in one
        statement: all a PUT reads before it writes (each statement costs the committer a GIL round)."""
        row = self._c.execute(
            "SELECT (SELECT document FROM bucket_configs WHERE bucket = ?1 AND name = 'versioning'),"
            " (SELECT blob_id FROM objects WHERE bucket = ?1 AND key = ?2) FROM buckets WHERE name = ?1",
            (bucket, key),
        ).fetchone()
        return (False, None, None) if row is None else (True, row[0], row[1])

    def put_config(self, bucket: str, name: str, document: str) -> None:
        self.configs_changed = True
        self._c.execute(
            "INSERT OR REPLACE INTO bucket_configs (bucket, name, document) VALUES (?, ?, ?)", (bucket, name, document)
        )

    def delete_config(self, bucket: str, name: str) -> bool:
        self.configs_changed = True
        cur = self._c.execute("DELETE FROM bucket_configs WHERE bucket = ? AND name = ?", (bucket, name))
        return cur.rowcount > 0

    # --- stored versions ----------------------------------------------------------------------
    def get_version(self, bucket: str, key: str, version_id: str) -> tuple[ObjectInfo, str, bool] | None:
        """A noncurrent version or delete marker: (info, md5 hex, is delete marker)."""
        row = self._c.execute(
            f"SELECT {_VERSION_COLS} FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, version_id),
        ).fetchone()
        return None if row is None else (_version_info(row), row["md5_hex"], bool(row["delete_marker"]))

    def newest_version(self, bucket: str, key: str) -> tuple[ObjectInfo, str, bool] | None:
        row = self._c.execute(
            f"SELECT {_VERSION_COLS} FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1",
            (bucket, key),
        ).fetchone()
        return None if row is None else (_version_info(row), row["md5_hex"], bool(row["delete_marker"]))

    def push_version(self, info: ObjectInfo, md5_hex: str, *, delete_marker: bool = False) -> None:
        seq = self._c.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM object_versions WHERE bucket = ? AND key = ?",
            (info.bucket, info.key),
        ).fetchone()[0]
        self._c.execute(
            f"INSERT INTO object_versions ({_VERSION_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.bucket, info.key, None if delete_marker else info.blob_id, info.size, md5_hex, info.etag,
                str(info.crc64), from_dt(info.last_modified), info.content_type, info.storage_class,
                dump(info.headers), dump(info.meta), info.version_id, info.acl, dump_tags(info.tags), seq,
                int(delete_marker),
            ),
        )  # fmt: skip

    def drop_version(self, bucket: str, key: str, version_id: str) -> str | None:
        """Remove one stored version; returns its blob id (None for a marker or nothing removed)."""
        row = self._c.execute(
            "DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ? RETURNING blob_id",
            (bucket, key, version_id),
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def update_version_fields(self, bucket: str, key: str, version_id: str, *, acl: str, tags: str) -> bool:
        cur = self._c.execute(
            "UPDATE object_versions SET acl = ?, tags = ? WHERE bucket = ? AND key = ? AND version_id = ?"
            " AND delete_marker = 0",
            (acl, tags, bucket, key, version_id),
        )
        return cur.rowcount > 0

    def iter_all_versions(self, bucket: str, lower: str, upper: str | None) -> Generator[VersionEntry, None, None]:
        """Every version and marker with key >= lower (< upper), by key, newest first within a key."""
        where = "bucket = ? AND key >= ?" + ("" if upper is None else " AND key < ?")
        args: list[str] = [bucket, lower] + ([] if upper is None else [upper])
        sql = (
            f"SELECT key, version_id, 0 AS delete_marker, {_CURRENT_SEQ} AS seq, size, etag, last_modified,"
            f" storage_class FROM objects WHERE {where}"
            " UNION ALL SELECT key, version_id, delete_marker, seq, size, etag, last_modified, storage_class"
            f" FROM object_versions WHERE {where} ORDER BY key, seq DESC"
        )
        cur = self._c.execute(sql, args + args)
        previous: str | None = None
        try:
            for row in cur:
                key = row["key"]
                marker = bool(row["delete_marker"])
                yield VersionEntry(
                    key=key, version_id=row["version_id"], is_latest=key != previous, delete_marker=marker,
                    last_modified=to_dt(row["last_modified"]), size=0 if marker else row["size"],
                    etag="" if marker else row["etag"], storage_class=row["storage_class"],
                )  # fmt: skip
                previous = key
        finally:
            cur.close()


def _version_info(row: sqlite3.Row) -> ObjectInfo:
    info = object_row(row)
    return info if info.blob_id else dataclasses.replace(info, blob_id="")


def delete_marker(bucket: str, key: str, version_id: str, now: datetime) -> ObjectInfo:
    return ObjectInfo(
        bucket=bucket, key=key, size=0, etag="", crc64=0, last_modified=now, content_type="", blob_id="",
        version_id=version_id,
    )  # fmt: skip


# --- the versioning state machine (callers hold a write transaction) ------------------------------
def _fresh_id(tx: MetaTx, bucket: str, key: str, new_id: Callable[[], str]) -> str:
    """A version id no version of the key has yet."""
    while True:
        candidate = new_id()
        current = tx.get_object(bucket, key)
        taken = current is not None and current[0].version_id == candidate
        if not taken and tx.get_version(bucket, key, candidate) is None:
            return candidate


def install(
    tx: MetaTx,
    info: ObjectInfo,
    md5_hex: str,
    new_id: Callable[[], str],
    state: str | Lookup | None = LOOKUP,
    current_blob: str | Lookup | None = LOOKUP,
) -> tuple[ObjectInfo, list[str | None]]:
    """Make `info` the current version of its key; returns it with its version id, and blobs to release.
    `new_id` makes version ids (IdSource.version_id); `state` is the bucket's versioning state and
    `current_blob` the blob id of the key's current row (None: no row) if the caller already read them
    (`MetaTx.put_state`)."""
    if isinstance(state, Lookup):
        state = tx.get_config(info.bucket, VERSIONING)
    if state is None:
        new = info if info.version_id == NULL_VERSION else dataclasses.replace(info, version_id=NULL_VERSION)
        if isinstance(current_blob, Lookup):
            return new, [tx.put_object(new, md5_hex)]
        tx.write_object(new, md5_hex)
        return new, [current_blob]
    dropped: list[str | None] = []
    version_id = _fresh_id(tx, info.bucket, info.key, new_id) if state == "Enabled" else NULL_VERSION
    if version_id == NULL_VERSION:
        dropped.append(tx.drop_version(info.bucket, info.key, NULL_VERSION))
    current = tx.get_object(info.bucket, info.key)
    if current is not None:
        if current[0].version_id == version_id:
            dropped.append(current[0].blob_id)  # the "null" version is replaced, not kept
        else:
            tx.push_version(*current)
    new = dataclasses.replace(info, version_id=version_id)
    tx.put_object(new, md5_hex)
    return new, dropped


def remove(
    tx: MetaTx, bucket: str, key: str, version_id: str | None, now: datetime, new_id: Callable[[], str]
) -> tuple[DeleteOutcome, list[str | None]]:
    """DELETE Object: a plain delete, a delete marker, or the removal of one version."""
    if version_id is not None:
        return _remove_version(tx, bucket, key, version_id)
    state = tx.get_config(bucket, VERSIONING)
    if state is None:
        return DeleteOutcome(), [tx.delete_object(bucket, key)]
    dropped: list[str | None] = []
    marker_id = _fresh_id(tx, bucket, key, new_id) if state == "Enabled" else NULL_VERSION
    if marker_id == NULL_VERSION:
        dropped.append(tx.drop_version(bucket, key, NULL_VERSION))
    current = tx.get_object(bucket, key)
    if current is not None:
        tx.delete_object(bucket, key)
        if current[0].version_id == marker_id:
            dropped.append(current[0].blob_id)
        else:
            tx.push_version(*current)
    tx.push_version(delete_marker(bucket, key, marker_id, now), "", delete_marker=True)
    return DeleteOutcome(marker_id, True), dropped


def _remove_version(tx: MetaTx, bucket: str, key: str, version_id: str) -> tuple[DeleteOutcome, list[str | None]]:
    current = tx.get_object(bucket, key)
    if current is not None and current[0].version_id == version_id:
        dropped = [tx.delete_object(bucket, key)]
        outcome = DeleteOutcome(version_id, False)
    else:
        found = tx.get_version(bucket, key, version_id)
        if found is None:
            return DeleteOutcome(version_id, False), []  # like S3: deleting a missing version succeeds
        dropped = [tx.drop_version(bucket, key, version_id)]
        outcome = DeleteOutcome(version_id, found[2])
    if tx.get_object(bucket, key) is None:
        newest = tx.newest_version(bucket, key)
        if newest is not None and not newest[2]:  # the newest remaining version becomes current again
            tx.drop_version(bucket, key, newest[0].version_id)
            tx.put_object(newest[0], newest[1])
    return outcome, dropped


def list_versions(
    tx: MetaTx, bucket: str, prefix: str, delimiter: str, key_marker: str, version_id_marker: str, max_keys: int
) -> VersionListing:
    """ListObjectVersions: keys in byte order, each key's versions newest first; a common prefix counts once.

    Resumes after (key_marker, version_id_marker), or after every version of key_marker when no version
    marker is given.
    """
    entries: list[VersionEntry] = []
    prefixes: list[str] = []
    upper = prefix_upper(prefix) if prefix else None
    lower = max(prefix, key_marker)
    skipping = bool(key_marker)
    passed_marker = False
    truncated = False
    last: VersionEntry | None = None
    rows = tx.iter_all_versions(bucket, lower, upper)
    try:
        for entry in rows:
            if skipping and entry.key == key_marker and not passed_marker:
                # Without a version marker every version of key_marker was listed before; with one,
                # the page resumes right after that version.
                passed_marker = bool(version_id_marker) and entry.version_id == version_id_marker
                continue
            skipping = False
            folded = _fold(entry.key, prefix, delimiter)
            if folded is not None and (folded in prefixes or (key_marker and folded <= key_marker)):
                continue
            if len(entries) + len(prefixes) >= max_keys:
                truncated = True
                break
            if folded is not None:
                prefixes.append(folded)
            else:
                entries.append(entry)
                last = entry
    finally:
        rows.close()
    if not truncated:
        return VersionListing(entries, prefixes, False, None, None)
    last_prefix = prefixes[-1] if prefixes else None
    if last is not None and (last_prefix is None or last.key > last_prefix):
        return VersionListing(entries, prefixes, True, last.key, last.version_id)
    return VersionListing(entries, prefixes, True, last_prefix, None)


def _fold(key: str, prefix: str, delimiter: str) -> str | None:
    if not delimiter or not key.startswith(prefix):
        return None
    cut = key.find(delimiter, len(prefix))
    return None if cut < 0 else key[: cut + len(delimiter)]


def lookup(tx: MetaTx, bucket: str, key: str, version_id: str | None) -> tuple[ObjectInfo, str]:
    """The current version, or the one named, with its MD5 hex. A delete marker reads as NoSuchKey
    (current) or MethodNotAllowed (named), both with x-cos-delete-marker, as COS answers."""
    found = tx.get_object(bucket, key)
    if found is not None and version_id in (None, found[0].version_id):
        return found
    if tx.get_bucket(bucket) is None:
        raise no_such_bucket(bucket)
    if version_id is None:
        newest = tx.newest_version(bucket, key)
        error = no_such_key(bucket, key)
        if newest is not None and newest[2]:
            error.headers.update({"x-cos-delete-marker": "true", "x-cos-version-id": newest[0].version_id})
        raise error
    stored = tx.get_version(bucket, key, version_id)
    if stored is None:
        raise CosError("NoSuchVersion", resource=f"{bucket}/{key}")
    if stored[2]:
        raise CosError(
            "MethodNotAllowed",
            "The specified version is a delete marker.",
            resource=f"{bucket}/{key}",
            headers={"x-cos-delete-marker": "true", "x-cos-version-id": version_id, "Allow": "DELETE"},
        )
    return stored[0], stored[1]
