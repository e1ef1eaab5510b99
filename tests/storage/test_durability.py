"""Acknowledged writes survive kill -9, and crash leftovers are collected at the next open.

The writer runs in a child process that prints one line per acknowledged put (after put_object has
returned, as a handler would before sending 200). The parent SIGKILLs it the moment the 200th ack
arrives, while it is already writing more, then reopens the data dir and reads everything back.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.models import NewObject
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import split_by_size, stage_bytes, stored_bodies

BUCKET = "examplebucket-1250000000"
ACKED = 200
REPO = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    import anyio
    from cos_ocr_emulator.storage.models import NewObject
    from cos_ocr_emulator.storage.store import SqliteStore

    def body(i: int) -> bytes:
        return random.Random(i).randbytes(1 + (i * 7919) % 200_000)

    async def chunks(data: bytes):
        for at in range(0, len(data), 65536):
            yield data[at : at + 65536]

    store = SqliteStore(Path(sys.argv[1]))
    store.create_bucket("examplebucket-1250000000", "ap-guangzhou")
    i = 0
    while True:  # keeps writing past the last ack, so the kill lands mid-write
        data = body(i)
        staged = anyio.run(lambda: store.stage(chunks(data), max_size=1 << 30))
        store.put_object("examplebucket-1250000000", f"obj/{i:05d}", staged, NewObject(meta={"x-cos-meta-i": str(i)}))
        print(f"ack {i}", flush=True)
        i += 1
    """
)


def _body(i: int) -> bytes:
    return random.Random(i).randbytes(1 + (i * 7919) % 200_000)


def test_acknowledged_puts_survive_sigkill(tmp_path: Path) -> None:
    root = tmp_path / "data"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, env=env, cwd=REPO, text=True
    )
    assert child.stdout is not None
    started = time.monotonic()
    acked = 0
    try:
        for line in child.stdout:
            assert line == f"ack {acked}\n"
            acked += 1
            if acked == ACKED:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
    elapsed = time.monotonic() - started
    assert acked == ACKED, f"writer died after {acked} acks"
    assert child.returncode == -signal.SIGKILL

    with SqliteStore(root) as store:
        for i in range(ACKED):
            info = store.head_object(BUCKET, f"obj/{i:05d}")
            assert store.read_all(info) == _body(i), i
            assert info.meta == {"x-cos-meta-i": str(i)}
        # Anything written after the last ack is either absent or whole, never torn.
        listed = store.list_objects(BUCKET).contents
        assert len(listed) >= ACKED
        for info in listed:
            assert store.read_all(info) == _body(int(info.key[4:]))
        assert list((root / "tmp").iterdir()) == []  # the interrupted body was collected at open
    # Bodies up to INLINE_MAX live in the database, larger ones as files; nothing else is kept.
    assert stored_bodies(root) == split_by_size(listed)
    assert any(o.size <= INLINE_MAX for o in listed) and any(o.size > INLINE_MAX for o in listed)
    print(f"{ACKED} acknowledged durable puts in {elapsed:.2f}s")  # shown with -s; quoted in reports


def test_gc_removes_orphans_and_stale_temp_files_but_keeps_referenced(tmp_path: Path) -> None:
    root = tmp_path / "data"
    big = b"referenced" * (INLINE_MAX // 10 + 1)  # a blob file
    with SqliteStore(root) as store:
        store.create_bucket(BUCKET, "ap-guangzhou")
        kept = store.put_object(BUCKET, "kept", stage_bytes(store, big), NewObject())
        small = store.put_object(BUCKET, "small", stage_bytes(store, b"inline"), NewObject())
        upload = store.initiate_upload(BUCKET, "mp", NewObject())
        part = store.upload_part(BUCKET, "mp", upload.upload_id, 1, stage_bytes(store, b"part bytes"))
    # Crash leftovers: a blob renamed into place whose row never committed, and a half-spooled body;
    # and an inline body no row names (only a bug could leave one: it goes with its last reference).
    orphan_id = hashlib.sha256(b"orphan").hexdigest()
    orphan = root / "blobs" / orphan_id[:2] / orphan_id
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"orphan")
    stale = root / "tmp" / "0123456789abcdef0123456789abcdef"
    stale.write_bytes(b"half a bo")
    with sqlite3.connect(root / "meta.sqlite3") as conn:
        conn.execute("INSERT INTO inline_bodies (blob_id, data) VALUES (?, ?)", (orphan_id, b"orphan"))
    with SqliteStore(root) as store:
        assert not orphan.exists() and not stale.exists()
        assert store.read_all(store.head_object(BUCKET, "kept")) == big
        assert store.read_all(store.head_object(BUCKET, "small")) == b"inline"
        assert store.list_parts(BUCKET, "mp", upload.upload_id) == [part]
        assert (root / "blobs" / kept.blob_id[:2] / kept.blob_id).exists()
        report = store.gc()
        assert (report.tmp_removed, report.blobs_removed) == (0, 0)
    part_id = hashlib.sha256(b"part bytes").hexdigest()
    assert stored_bodies(root) == ({kept.blob_id}, {small.blob_id, part_id})


def test_failed_commit_leaves_no_blob_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cos_ocr_emulator.storage import meta

    with SqliteStore(tmp_path / "data") as store:
        store.create_bucket(BUCKET, "ap-guangzhou")
        staged = stage_bytes(store, b"never committed")

        def boom(*args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(meta.MetaTx, "write_object", boom)  # every object row is written here
        with pytest.raises(OSError, match="disk full"):
            store.put_object(BUCKET, "k", staged, NewObject())
        files = [p for p in (tmp_path / "data").rglob("*") if p.is_file() and p.parent.name != "data"]
        assert files == []


VERSIONED_WRITER = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    import anyio
    from cos_ocr_emulator.storage.models import NewObject
    from cos_ocr_emulator.storage.store import SqliteStore

    async def chunks(data: bytes):
        yield data

    store = SqliteStore(Path(sys.argv[1]))
    store.create_bucket("examplebucket-1250000000", "ap-guangzhou")
    store.put_bucket_config("examplebucket-1250000000", "versioning", "Enabled")
    i = 0
    while True:  # ten keys rewritten over and over, every third write followed by a delete marker
        data = random.Random(i).randbytes(1 + (i * 7919) % 50_000)
        staged = anyio.run(lambda: store.stage(chunks(data), max_size=1 << 30))
        info = store.put_object("examplebucket-1250000000", f"k{i % 10}", staged, NewObject())
        marker = store.delete_object("examplebucket-1250000000", f"k{i % 10}").version_id if i % 3 == 0 else "-"
        print(f"ack {i} {info.version_id} {marker}", flush=True)
        i += 1
    """
)


def test_acknowledged_versions_and_markers_survive_sigkill(tmp_path: Path) -> None:
    """Every acknowledged version stays readable by its id and every acknowledged marker stays listed;
    the blobs on disk are exactly the ones some version still names."""
    root = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-c", VERSIONED_WRITER, str(root)], stdout=subprocess.PIPE, env=env, cwd=REPO, text=True
    )
    assert child.stdout is not None
    acked: list[tuple[int, str, str]] = []
    try:
        for line in child.stdout:
            _, i, version, marker = line.split()
            acked.append((int(i), version, marker))
            if len(acked) == ACKED:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
    assert len(acked) == ACKED

    with SqliteStore(root) as store:
        listing = store.list_versions(BUCKET, max_keys=1000)
        assert not listing.is_truncated
        listed = {(e.key, e.version_id): e for e in listing.entries}
        for i, version, marker in acked:
            key = f"k{i % 10}"
            info = store.head_object(BUCKET, key, version)
            assert store.read_all(info) == random.Random(i).randbytes(1 + (i * 7919) % 50_000), i
            if marker != "-":
                assert listed[(key, marker)].delete_marker
        for key in {e.key for e in listing.entries}:  # exactly one latest entry per key
            assert sum(e.is_latest for e in listing.entries if e.key == key) == 1
        named = [store.head_object(BUCKET, e.key, e.version_id) for e in listing.entries if not e.delete_marker]
        assert list((root / "tmp").iterdir()) == []
    assert stored_bodies(root) == split_by_size(named)
