"""Small bodies stored inside the database (storage/inline.py) next to large ones stored as files: where each
kind lives, that every read and write path serves both, that group commits keep each write's own outcome,
and that a data directory from before inline bodies upgrades in place."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MIN_PART_SIZE
from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.models import NewObject, ObjectInfo
from cos_ocr_emulator.storage.schema import SCHEMA_VERSION
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import BUCKET, Putter, Stager, stage_bytes
from .test_configs import make_v1_data_dir

SMALL = b"s" * INLINE_MAX  # the largest body stored inline
LARGE = b"L" * (INLINE_MAX + 1)  # the smallest stored as a file


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_size_decides_where_a_body_lives(store: SqliteStore, stage: Stager, put: Putter) -> None:
    small, large = stage(SMALL), stage(LARGE)
    assert (small.path, small.data) == (None, SMALL)
    assert large.path is not None and large.data is None
    empty = put("empty", b"")
    put("small", SMALL)
    put("large", LARGE)
    assert store.body_ids() == ({_sha(LARGE)}, {_sha(SMALL), _sha(b"")})
    assert store.read_all(empty) == b"" and list(store.read_range(empty, 0, -1)) == []
    for key, body in (("small", SMALL), ("large", LARGE)):
        info = store.head_object(BUCKET, key)
        assert (info.size, info.etag) == (len(body), f'"{hashlib.md5(body).hexdigest()}"')
        assert store.read_all(info) == body
        assert b"".join(store.read_range(info, 0, info.size - 1)) == body
        assert b"".join(store.read_range(info, 100, 100 + 999)) == body[100:1100]
        assert store.read_bytes(info, info.size - 5, info.size + 50) == body[-5:]  # end clamped to the size


def test_a_small_body_over_max_size_is_refused_and_leaves_nothing(store: SqliteStore, stage: Stager) -> None:
    for body in (b"x" * 11, b"x" * (INLINE_MAX + 11)):  # held in memory, and spooled
        with pytest.raises(CosError) as err:
            stage(body, max_size=10 if len(body) < INLINE_MAX else INLINE_MAX + 10)
        assert err.value.code == "EntityTooLarge"
    assert list((store.data_dir / "tmp").iterdir()) == []


def test_an_inline_read_opens_no_file(store: SqliteStore, put: Putter, monkeypatch: pytest.MonkeyPatch) -> None:
    info = put("k", b"0123456789")

    def no_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("an inline body was read from a file")

    monkeypatch.setattr("cos_ocr_emulator.storage.blobs.BlobDir.read", no_files)
    monkeypatch.setattr("cos_ocr_emulator.storage.blobs.BlobDir.open_range", no_files)
    monkeypatch.setattr("cos_ocr_emulator.storage.blobs.BlobDir.path", no_files)
    assert store.read_bytes(info, 2, 4) == b"234"
    assert b"".join(store.read_range(info, 5, 100)) == b"56789"
    assert store.read_all(info) == b"0123456789"


def test_overwrites_deletes_and_copies_release_each_kind(store: SqliteStore, put: Putter) -> None:
    put("a", b"one")
    store.copy_object(BUCKET, "a", BUCKET, "b", NewObject())
    put("a", LARGE)  # small -> large: "b" still names the small body
    assert store.body_ids() == ({_sha(LARGE)}, {_sha(b"one")})
    put("b", b"two")  # the last reference to "one" goes
    assert store.body_ids() == ({_sha(LARGE)}, {_sha(b"two")})
    put("a", b"two")  # large -> small, shared with "b"
    assert store.body_ids() == (set(), {_sha(b"two")})
    store.delete_object(BUCKET, "a")
    assert store.body_ids() == (set(), {_sha(b"two")})
    store.delete_objects(BUCKET, [("b", None)])
    assert store.body_ids() == (set(), set())


def test_versions_keep_inline_bodies_until_their_last_version_goes(store: SqliteStore, put: Putter) -> None:
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    first = put("k", b"v1")
    put("k", LARGE)
    marker = store.delete_object(BUCKET, "k").version_id
    assert marker is not None
    assert store.read_all(store.head_object(BUCKET, "k", first.version_id)) == b"v1"
    assert store.body_ids() == ({_sha(LARGE)}, {_sha(b"v1")})
    store.delete_object(BUCKET, "k", first.version_id)
    assert store.body_ids() == ({_sha(LARGE)}, set())
    store.purge_bucket(BUCKET)
    assert store.body_ids() == (set(), set())


def test_multipart_mixes_inline_and_file_parts(store: SqliteStore, stage: Stager, put: Putter) -> None:
    upload = store.initiate_upload(BUCKET, "mp", NewObject())
    big = bytes(range(256)) * (MIN_PART_SIZE // 256)  # a file part
    parts = [
        store.upload_part(BUCKET, "mp", upload.upload_id, 1, stage(big)),
        store.upload_part(BUCKET, "mp", upload.upload_id, 2, stage(b"tail")),  # an inline part
    ]
    src = put("src", b"0123456789")
    copied = store.copy_part(BUCKET, "mp", upload.upload_id, 3, src, 2, 5)  # an inline part from an inline body
    assert store.body_ids() == ({_sha(big)}, {_sha(b"tail"), _sha(b"2345"), _sha(b"0123456789")})
    listed = [(p.part_number, p.etag) for p in (parts[0], copied)]  # part 2 is left out (too small if not last)
    info = store.complete_upload(BUCKET, "mp", upload.upload_id, listed)
    assert store.read_all(info) == big + b"2345"
    assert store.body_ids() == ({info.blob_id}, {_sha(b"0123456789")})  # the parts went with the upload

    small = store.initiate_upload(BUCKET, "small", NewObject())
    store.upload_part(BUCKET, "small", small.upload_id, 1, stage(b"only part"))
    done = store.complete_upload(BUCKET, "small", small.upload_id, [(1, f'"{hashlib.md5(b"only part").hexdigest()}"')])
    assert store.read_all(done) == b"only part" and done.blob_id in store.body_ids()[1]  # complete stores it inline
    aborted = store.initiate_upload(BUCKET, "gone", NewObject())
    store.upload_part(BUCKET, "gone", aborted.upload_id, 1, stage(b"abandoned"))
    store.abort_upload(BUCKET, "gone", aborted.upload_id)
    assert _sha(b"abandoned") not in store.body_ids()[1]


def test_reset_drops_inline_bodies(store: SqliteStore, put: Putter) -> None:
    put("a", b"small")
    put("b", LARGE)
    store.reset()
    assert store.body_ids() == (set(), set())


def test_a_batch_keeps_each_writes_own_outcome(store: SqliteStore) -> None:
    """Writes queued while a commit runs share the next one; one that fails (no such bucket, no such
    upload) is rolled back alone, its inline body with it, and the others commit."""

    async def scenario() -> list[ObjectInfo | BaseException]:
        with store._db.lock:  # hold the writer: everything below queues behind the first job
            jobs = [
                store.put_object_async(BUCKET, "ok-1", await store.stage(_one(b"first"), max_size=1 << 20), NewObject()),
                store.put_object_async("nope-1250000000", "x", await store.stage(_one(b"doomed"), max_size=99), NewObject()),
                store.put_object_async(BUCKET, "ok-2", await store.stage(_one(b"second"), max_size=99), NewObject()),
                store.upload_part_async(BUCKET, "k", "no-such-upload", 1, await store.stage(_one(b"part"), max_size=99)),
                store.put_object_async(BUCKET, "ok-3", await store.stage(_one(b"third"), max_size=99), NewObject()),
            ]  # fmt: skip
            tasks = [asyncio.ensure_future(job) for job in jobs]
            await asyncio.sleep(0.05)  # every job is queued (a timing hint only: any batching is correct)
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert [type(o).__name__ for o in outcomes] == ["ObjectInfo", "CosError", "ObjectInfo", "CosError", "ObjectInfo"]
    assert [o.code for o in outcomes if isinstance(o, CosError)] == ["NoSuchBucket", "NoSuchUpload"]
    assert [o.key for o in store.list_objects(BUCKET).contents] == ["ok-1", "ok-2", "ok-3"]
    assert store.body_ids()[1] == {_sha(b"first"), _sha(b"second"), _sha(b"third")}


async def _one(data: bytes):  # type: ignore[no-untyped-def]
    yield data


def test_a_put_that_fails_mid_write_fails_its_whole_batch(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PutObject write runs without a SAVEPOINT (it refuses only before changing anything). An error
    after its first change (here the object row's INSERT, as on a full disk) cannot be undone alone,
    so the batch fails whole: nobody in it is acknowledged, nothing of it is stored, the next commit works."""
    from cos_ocr_emulator.storage import meta

    real = meta.MetaTx.write_object

    def failing(tx: meta.MetaTx, info: ObjectInfo, md5_hex: str) -> None:
        real(tx, info, md5_hex)
        if info.key == "boom":  # after the row went in: only a rollback of the batch can take it out
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(meta.MetaTx, "write_object", failing)

    async def put(key: str, data: bytes) -> ObjectInfo:
        return await store.put_object_async(BUCKET, key, await store.stage(_one(data), max_size=99), NewObject())

    async def scenario() -> list[ObjectInfo | BaseException]:
        with store._db.lock:  # hold the writer: all three queue and share one commit
            tasks = [asyncio.ensure_future(put(k, k.encode())) for k in ("before", "boom", "after")]
            await asyncio.sleep(0.05)  # a timing hint only: any split into batches fails only "boom" or more
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert isinstance(outcomes[1], sqlite3.OperationalError)
    stored = {o.key for o in store.list_objects(BUCKET).contents}
    acknowledged = {o.key for o in outcomes if isinstance(o, ObjectInfo)}
    assert stored == acknowledged and "boom" not in stored  # what was acknowledged is exactly what is kept
    assert store.body_ids()[1] == {_sha(k.encode()) for k in stored}  # no body of a failed write is left
    asyncio.run(put("later", b"later"))
    assert store.read_all(store.head_object(BUCKET, "later")) == b"later"


def test_concurrent_async_puts_all_commit(store: SqliteStore) -> None:
    async def scenario() -> list[ObjectInfo]:
        async def put(i: int) -> ObjectInfo:
            staged = await store.stage(_one(f"body {i}".encode()), max_size=1 << 20)
            return await store.put_object_async(BUCKET, f"k{i % 20}", staged, NewObject())

        return await asyncio.gather(*(put(i) for i in range(200)))

    infos = asyncio.run(scenario())
    assert len(infos) == 200
    for i in range(180, 200):  # each key holds the last of its writes, and nothing else is kept
        info = store.head_object(BUCKET, f"k{i % 20}")
        assert store.read_all(info) == f"body {i}".encode()
    assert len(store.body_ids()[1]) == 20


def test_a_write_handed_over_after_close_fails_instead_of_hanging(store: SqliteStore) -> None:
    async def scenario() -> None:
        staged = await store.stage(_one(b"late"), max_size=99)
        task = asyncio.ensure_future(store.put_object_async(BUCKET, "late", staged, NewObject()))
        await asyncio.sleep(0)  # the write is submitted; its hand-over to the committer comes next pass
        store.close()
        with pytest.raises(RuntimeError, match="closed"):
            await task

    asyncio.run(scenario())


def test_a_v1_data_dir_upgrades_and_its_small_file_bodies_stay_readable(tmp_path: Path) -> None:
    root = tmp_path / "data"
    old_id = make_v1_data_dir(root, b"small, but written as a file")
    with SqliteStore(root) as store:
        info = store.head_object(BUCKET, "old/报告.txt")
        assert store.read_all(info) == b"small, but written as a file"
        assert store.read_bytes(info, 0, 4) == b"small"
        assert store.body_ids() == ({old_id}, set())  # never moved
        store.put_object(BUCKET, "new", stage_bytes(store, b"inline"), NewObject())
        store.put_object(BUCKET, "old/报告.txt", stage_bytes(store, b"replaced"), NewObject())
        assert store.body_ids() == (set(), {_sha(b"inline"), _sha(b"replaced")})  # the old file went
    conn = sqlite3.connect(root / "meta.sqlite3")
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    with SqliteStore(root) as again:
        assert again.read_all(again.head_object(BUCKET, "new")) == b"inline"
