"""The read cache (storage/readcache.py) never serves a row a committed write has changed.

Every read here goes through the cache (`head_object`, `get_bucket`, `bucket_exists`, `list_buckets`)
and is compared with what SQLite holds, read with no cache in between, after every kind of write the
store has: put, overwrite, copy, delete, multi-delete, complete, ACL/tags/headers, versioning on and
off, version deletes that promote an older version, purge, reset, bucket create/delete. Then the same
under threads: a write's caller never reads an older row after the write returned.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.models import NewObject, ObjectInfo
from cos_ocr_emulator.storage.readcache import Generation
from cos_ocr_emulator.storage.store import SqliteStore
from cos_ocr_emulator.storage.versions import lookup

from .conftest import FakeClock, Putter, Stager, stage_bytes

BUCKET = "examplebucket-1250000000"
OTHER = "other-1250000000"
KEYS = ["a", "b", "dir/c", "长"]


def _truth(store: SqliteStore, bucket: str, key: str) -> ObjectInfo | str:
    """The current version as SQLite has it, bypassing the cache; an error code when there is none."""
    try:
        with store._db.tx() as tx:
            return lookup(tx, bucket, key, None)[0]
    except CosError as exc:
        return exc.code


def _cached(store: SqliteStore, bucket: str, key: str) -> ObjectInfo | str:
    try:
        return store.head_object(bucket, key)
    except CosError as exc:
        return exc.code


def _assert_coherent(store: SqliteStore) -> None:
    for bucket in (BUCKET, OTHER):
        for key in KEYS:
            assert _cached(store, bucket, key) == _truth(store, bucket, key), (bucket, key)
    with store._db.tx() as tx:
        truth = tx.all_buckets()
    assert store.list_buckets() == truth
    for info in truth:
        assert store.get_bucket(info.name) == info and store.bucket_exists(info.name)


def _writes(store: SqliteStore, rng: random.Random, clock: FakeClock) -> list[tuple[str, Callable[[], object]]]:
    """One random write of each kind (some may fail, e.g. NoSuchKey: a failed write must not matter either)."""
    key, other = rng.choice(KEYS), rng.choice(KEYS)
    bucket = rng.choice([BUCKET, OTHER])
    body = rng.randbytes(rng.randint(0, 64))
    meta = {"x-cos-meta-n": str(rng.random())}

    def put() -> object:
        return store.put_object(bucket, key, stage_bytes(store, body), NewObject(meta=meta))

    def copy() -> object:
        return store.copy_object(bucket, other, bucket, key, NewObject(meta=meta))

    def complete() -> object:
        upload = store.initiate_upload(bucket, key, NewObject(meta=meta))
        part = store.upload_part(bucket, key, upload.upload_id, 1, stage_bytes(store, body))
        return store.complete_upload(bucket, key, upload.upload_id, [(1, part.etag)])

    def versioning() -> object:
        state = rng.choice(["Enabled", "Suspended", None])
        if state is None:
            return store.delete_bucket_config(bucket, "versioning")
        return store.put_bucket_config(bucket, "versioning", state)

    def delete_version() -> object:
        listing = store.list_versions(bucket, prefix=key, max_keys=1000)
        entries = [e for e in listing.entries if e.key == key]
        if not entries:
            return None
        return store.delete_object(bucket, key, rng.choice(entries).version_id)

    def fields() -> object:
        return store.set_object_fields(
            bucket, key, None, acl=rng.choice([None, "private-doc"]), tags=(("t", str(rng.random())),),
            headers=rng.choice([None, {"Cache-Control": "max-age=1"}]),
        )  # fmt: skip

    def tick() -> object:
        clock.now += 1
        return None

    return [
        ("put", put),
        ("copy", copy),
        ("delete", lambda: store.delete_object(bucket, key)),
        ("multi-delete", lambda: store.delete_objects(bucket, [(key, None), (other, None)])),
        ("complete", complete),
        ("versioning", versioning),
        ("delete-version", delete_version),
        ("fields", fields),
        ("purge", lambda: store.purge_bucket(bucket) if rng.random() < 0.1 else None),
        ("tick", tick),
    ]


def test_every_write_is_seen_by_the_next_read(store: SqliteStore, clock: FakeClock) -> None:
    store.create_bucket(OTHER, "ap-beijing")
    rng = random.Random(11)
    seen: set[str] = set()
    for _ in range(400):
        _assert_coherent(store)  # also fills the cache with every key's current row
        name, write = rng.choice(_writes(store, rng, clock))
        changes = store._db._conn.total_changes
        with contextlib.suppress(CosError):
            write()
        if store._db._conn.total_changes != changes:  # a write that changed rows emptied the object cache
            assert len(store._reads.objects) == 0, name
            seen.add(name)
    _assert_coherent(store)
    assert seen >= {"put", "copy", "delete", "multi-delete", "complete", "versioning", "delete-version", "fields"}


def test_reset_bucket_changes_and_purge(store: SqliteStore, put: Putter) -> None:
    put("a", b"1")
    assert store.head_object(BUCKET, "a").size == 1 and store.bucket_exists(BUCKET)
    store.create_bucket(OTHER, "ap-beijing")
    assert store.get_bucket(OTHER).region == "ap-beijing" and store.bucket_exists(OTHER)
    assert [b.name for b in store.list_buckets()] == [BUCKET, OTHER]
    store.delete_bucket(OTHER)
    assert not store.bucket_exists(OTHER)
    with pytest.raises(CosError, match="NoSuchBucket"):
        store.get_bucket(OTHER)
    store.purge_bucket(BUCKET)
    with pytest.raises(CosError, match="NoSuchKey"):
        store.head_object(BUCKET, "a")
    put("a", b"22")
    assert store.head_object(BUCKET, "a").size == 2
    store.reset()
    assert store.list_buckets() == [] and not store.bucket_exists(BUCKET)
    with pytest.raises(CosError, match="NoSuchBucket"):
        store.head_object(BUCKET, "a")


def test_a_failed_write_leaves_reads_right(store: SqliteStore, put: Putter, stage: Stager) -> None:
    put("a", b"1")
    store.head_object(BUCKET, "a")
    with pytest.raises(CosError, match="NoSuchBucket"):
        store.put_object("missing-1250000000", "a", stage(b"x"), NewObject())
    assert store.head_object(BUCKET, "a").size == 1


def test_named_versions_are_read_through(store: SqliteStore, put: Putter) -> None:
    """Only the current version is cached; a versionId that is not current is looked up in SQLite."""
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    first = put("a", b"1")
    second = put("a", b"22")
    assert store.head_object(BUCKET, "a") == second
    assert store.head_object(BUCKET, "a", first.version_id) == first
    assert store.head_object(BUCKET, "a", second.version_id) == second


@pytest.mark.parametrize("mode", ["memory", "disk"])
def test_no_stale_read_after_a_write_returns_under_threads(tmp_path: Path, mode: str) -> None:
    """Readers hammer the key (filling the cache with rows read while writes commit); each time a write
    returns, its writer reads the key and must see that write or a later one."""
    store = SqliteStore(tmp_path / "data", memory=mode == "memory")
    store.create_bucket(BUCKET, "ap-guangzhou")
    store.put_object(BUCKET, "k", stage_bytes(store, b"0"), NewObject(meta={"x-cos-meta-n": "0"}))
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                store.head_object(BUCKET, "k")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    def writer(wid: int) -> None:
        try:
            for n in range(1, 25):
                stamp = wid * 1000 + n
                new = NewObject(meta={"x-cos-meta-n": str(stamp), "x-cos-meta-w": str(wid)})
                store.put_object(BUCKET, f"k{wid}", stage_bytes(store, b"x"), new)
                store.put_object(BUCKET, "k", stage_bytes(store, b"x"), new)
                mine = store.head_object(BUCKET, f"k{wid}")
                assert mine.meta["x-cos-meta-n"] == str(stamp)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    try:
        assert errors == []
        assert store.head_object(BUCKET, "k") == _truth(store, BUCKET, "k")
    finally:
        store.close()


def test_generation_is_bounded_and_drops_values_filed_under_an_old_one() -> None:
    cache: Generation[str, int] = Generation(3)
    before = cache.current()
    cache.invalidate()  # a write ended while a read was in flight
    cache.put(before, "stale", 1)
    assert cache.get("stale") is None
    for n in range(5):
        cache.put(cache.current(), f"k{n}", n)
    assert len(cache) == 3 and cache.get("k4") == 4 and cache.get("k0") is None


def test_a_config_document_read_while_a_change_commits_is_not_kept(store: SqliteStore) -> None:
    """The configuration documents live in the same read cache as rows and buckets: a document loaded
    from before a commit that changed it is filed under a generation nobody reads any more."""
    store.put_bucket_config(BUCKET, "encryption", "old")

    def load_then_commit() -> str | None:
        document = store._load_config(BUCKET, "encryption")  # read before the commit ...
        store.put_bucket_config(BUCKET, "encryption", "new")  # ... which lands while the read is in flight
        return document

    assert store._reads.config(BUCKET, "encryption", load_then_commit) == "old"  # what that read saw
    assert store.get_bucket_config(BUCKET, "encryption") == "new"  # but it was not kept
    assert store.get_bucket_config(BUCKET, "encryption") == "new"
