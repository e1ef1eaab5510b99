"""The metadata schema and the steps that bring an older data directory up to it.

A data directory written by any earlier release must still open: its `schema_version` says where it
stands and `migrate` applies each later step in order, inside the caller's write transaction, so a
crash mid-migration leaves the old version intact. A fresh database is built the same way (version 1,
then every step), which keeps the upgrade path exercised by every test that opens a store.

Steps only add (columns with defaults, tables, indexes); they never rewrite object rows or blob
references, so a migration cannot lose or orphan bytes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Version 1: the schema of the first release (buckets, objects, uploads, parts). Never edit it: it is
# what an existing `.cos-emulator-data` holds. crc64 is decimal TEXT: an unsigned 64-bit value does not
# fit SQLite's signed INTEGER.
_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE buckets (
    name TEXT PRIMARY KEY, region TEXT NOT NULL, created INTEGER NOT NULL, public_read INTEGER NOT NULL
);
CREATE TABLE objects (
    bucket TEXT NOT NULL, key TEXT NOT NULL, blob_id TEXT NOT NULL, size INTEGER NOT NULL,
    md5_hex TEXT NOT NULL, etag TEXT NOT NULL, crc64 TEXT NOT NULL, last_modified INTEGER NOT NULL,
    content_type TEXT NOT NULL, storage_class TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX objects_by_blob ON objects (blob_id);
CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated INTEGER NOT NULL,
    content_type TEXT NOT NULL, storage_class TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL
);
CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated);
CREATE TABLE parts (
    upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob_id TEXT NOT NULL, size INTEGER NOT NULL,
    md5_hex TEXT NOT NULL, crc64 TEXT NOT NULL, last_modified INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE INDEX parts_by_blob ON parts (blob_id);
"""

# Step n brings version n to n + 1.
_STEPS: dict[int, str] = {
    # 2: per-bucket configuration documents (ACL, CORS, policy, lifecycle, ...), one row per kind.
    1: """
CREATE TABLE bucket_configs (
    bucket TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
""",
    # 3: object versions, and each object's own ACL and tags. `objects` keeps exactly the current version
    # of each key (so plain listings and reads are unchanged); every other version and every delete
    # marker lives in `object_versions`, ordered within a key by `seq` (higher = newer). A delete
    # marker has no blob (NULL). Rows written before this step are the "null" version.
    2: """
ALTER TABLE objects ADD COLUMN version_id TEXT NOT NULL DEFAULT 'null';
ALTER TABLE objects ADD COLUMN acl TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE uploads ADD COLUMN acl TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
CREATE TABLE object_versions (
    bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, seq INTEGER NOT NULL,
    delete_marker INTEGER NOT NULL, blob_id TEXT, size INTEGER NOT NULL,
    md5_hex TEXT NOT NULL, etag TEXT NOT NULL, crc64 TEXT NOT NULL, last_modified INTEGER NOT NULL,
    content_type TEXT NOT NULL, storage_class TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL,
    acl TEXT NOT NULL, tags TEXT NOT NULL,
    PRIMARY KEY (bucket, key, version_id)
) WITHOUT ROWID;
CREATE INDEX object_versions_by_seq ON object_versions (bucket, key, seq);
CREATE INDEX object_versions_by_blob ON object_versions (blob_id);
""",
    # 4: small bodies inside the database (storage/inline.py), keyed by SHA-256 like blob files. A rowid
    # table (not WITHOUT ROWID: its rows are up to 64 KiB) with a unique index for the lookups.
    3: """
CREATE TABLE inline_bodies (blob_id TEXT NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX inline_bodies_by_id ON inline_bodies (blob_id);
""",
}

SCHEMA_VERSION = 1 + len(_STEPS)


def _run(conn: sqlite3.Connection, script: str) -> None:
    # executescript would COMMIT the caller's transaction; statements one by one stay inside it.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def migrate(conn: sqlite3.Connection, path: Path | None) -> None:
    """Create or upgrade the schema; the caller holds a write transaction."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if exists is None:
        _run(conn, _V1)
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    version = int(conn.execute("SELECT max(version) FROM schema_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"{path}: metadata schema version {version} is newer than this emulator ({SCHEMA_VERSION}); upgrade it"
        )
    while version < SCHEMA_VERSION:
        _run(conn, _STEPS[version])
        version += 1
        conn.execute("UPDATE schema_version SET version = ?", (version,))
