"""Per-bucket configuration documents: stored per (bucket, name), durable, gone with their bucket."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.models import NewObject
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import BUCKET, stage_bytes

OTHER = "other-1250000000"


def test_round_trip_replace_and_delete(store: SqliteStore) -> None:
    assert store.get_bucket_config(BUCKET, "cors") is None
    store.put_bucket_config(BUCKET, "cors", "<CORSConfiguration/>")
    store.put_bucket_config(BUCKET, "policy", '{"Statement": []}')
    assert store.get_bucket_config(BUCKET, "cors") == "<CORSConfiguration/>"
    store.put_bucket_config(BUCKET, "cors", "<CORSConfiguration>二</CORSConfiguration>")
    assert store.bucket_configs(BUCKET) == {
        "cors": "<CORSConfiguration>二</CORSConfiguration>",
        "policy": '{"Statement": []}',
    }
    assert store.delete_bucket_config(BUCKET, "cors") is True
    assert store.delete_bucket_config(BUCKET, "cors") is False
    assert store.bucket_configs(BUCKET) == {"policy": '{"Statement": []}'}


def test_configs_are_per_bucket_and_need_the_bucket(store: SqliteStore) -> None:
    store.create_bucket(OTHER, "ap-guangzhou")
    store.put_bucket_config(OTHER, "cors", "x")
    assert store.get_bucket_config(BUCKET, "cors") is None
    for call in (
        lambda: store.get_bucket_config("nope-1250000000", "cors"),
        lambda: store.put_bucket_config("nope-1250000000", "cors", "x"),
        lambda: store.delete_bucket_config("nope-1250000000", "cors"),
        lambda: store.bucket_configs("nope-1250000000"),
    ):
        with pytest.raises(CosError) as err:
            call()
        assert err.value.code == "NoSuchBucket"


def test_deleting_a_bucket_removes_its_configs(store: SqliteStore) -> None:
    store.create_bucket(OTHER, "ap-guangzhou")
    store.put_bucket_config(OTHER, "tagging", "t")
    store.delete_bucket(OTHER)
    store.create_bucket(OTHER, "ap-guangzhou")
    assert store.bucket_configs(OTHER) == {}


def test_reset_removes_configs(store: SqliteStore) -> None:
    store.put_bucket_config(BUCKET, "cors", "x")
    store.reset()
    store.create_bucket(BUCKET, "ap-guangzhou")
    assert store.bucket_configs(BUCKET) == {}


def test_configs_survive_reopen(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "data") as first:
        first.create_bucket(BUCKET, "ap-guangzhou")
        first.put_bucket_config(BUCKET, "cors", "<CORSConfiguration/>")
    with SqliteStore(tmp_path / "data") as second:
        assert second.get_bucket_config(BUCKET, "cors") == "<CORSConfiguration/>"


# The first release's schema, verbatim: what an existing .cos-emulator-data holds.
V1_SCHEMA = """
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
INSERT INTO schema_version (version) VALUES (1);
"""


def make_v1_data_dir(root: Path, body: bytes) -> str:
    """A data dir as the first release left it: one bucket, one object (blob file + row)."""
    import hashlib

    root.mkdir(parents=True)
    sha = hashlib.sha256(body).hexdigest()
    md5 = hashlib.md5(body).hexdigest()
    (root / "blobs" / sha[:2]).mkdir(parents=True)
    (root / "blobs" / sha[:2] / sha).write_bytes(body)
    (root / "tmp").mkdir()
    conn = sqlite3.connect(root / "meta.sqlite3")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(V1_SCHEMA)
    conn.execute("INSERT INTO buckets VALUES (?, 'ap-guangzhou', 1700000000, 1)", (BUCKET,))
    conn.execute(
        "INSERT INTO objects VALUES (?, 'old/报告.txt', ?, ?, ?, ?, '0', 1700000000, 'text/plain', 'STANDARD',"
        " '{}', '{\"x-cos-meta-a\": \"1\"}')",
        (BUCKET, sha, len(body), md5, f'"{md5}"'),
    )
    conn.commit()
    conn.close()
    return sha


def test_a_v1_data_dir_opens_and_keeps_its_objects(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_v1_data_dir(root, b"written by the first release")
    with SqliteStore(root) as store:
        info = store.head_object(BUCKET, "old/报告.txt")
        assert store.read_all(info) == b"written by the first release"
        assert info.meta == {"x-cos-meta-a": "1"}
        store.put_bucket_config(BUCKET, "cors", "x")
        store.put_object(BUCKET, "new", stage_bytes(store, b"n"), NewObject())
    with SqliteStore(root) as again:
        assert again.get_bucket_config(BUCKET, "cors") == "x"
        assert [o.key for o in again.list_objects(BUCKET).contents] == ["new", "old/报告.txt"]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "data"
    with SqliteStore(root) as store:
        store.create_bucket(BUCKET, "ap-guangzhou")
    conn = sqlite3.connect(root / "meta.sqlite3")
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this emulator"):
        SqliteStore(root)


def test_config_reads_from_memory_follow_every_change(store: SqliteStore) -> None:
    """Documents are served from memory once read (readcache.py); every kind of change is seen at once."""
    assert store.get_bucket_config(BUCKET, "encryption") is None  # an absence is remembered too
    store.put_bucket_config(BUCKET, "encryption", "one")
    assert store.get_bucket_config(BUCKET, "encryption") == "one"
    store.put_bucket_config(BUCKET, "encryption", "two")
    assert store.get_bucket_config(BUCKET, "encryption") == "two"
    assert store.delete_bucket_config(BUCKET, "encryption")
    assert store.get_bucket_config(BUCKET, "encryption") is None
    store.put_bucket_config(BUCKET, "cors", "x")
    store.purge_bucket(BUCKET)
    assert store.get_bucket_config(BUCKET, "cors") is None
    store.put_bucket_config(BUCKET, "cors", "y")
    assert store.get_bucket_config(BUCKET, "cors") == "y"
    store.delete_bucket(BUCKET)
    with pytest.raises(CosError) as err:
        store.get_bucket_config(BUCKET, "cors")
    assert err.value.code == "NoSuchBucket"
    store.create_bucket(BUCKET, "ap-guangzhou")
    assert store.get_bucket_config(BUCKET, "cors") is None
    store.put_bucket_config(BUCKET, "cors", "z")
    store.reset()
    with pytest.raises(CosError):
        store.get_bucket_config(BUCKET, "cors")
