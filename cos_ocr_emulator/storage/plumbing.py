"""`StoreCore`: what every `SqliteStore` operation stands on. Opening a data directory (lock, blob
directory, database, crash leftovers), the write transaction and the order of a durable write, and
closing. The operations themselves are in `store.py`.

A body of at most 64 KiB (storage/inline.py INLINE_MAX) is held in memory when it arrives and inserted
into `inline_bodies` in the same transaction as the row that names it: one WAL commit makes both
durable, with no file, rename or directory fsync. A larger body puts the two halves together in the
only safe order. Bytes first: spooled to a temp file, fsynced, renamed into a content-addressed blob,
directory fsynced. Then the SQLite row that points at the blob is committed. A crash between the two
leaves an unreferenced blob or temp file, which `gc()` removes at the next open; it can never leave a
row pointing at missing or partial bytes. A body whose last row goes away (overwrite, delete, abort)
is released with that transaction: an inline one deleted inside it, a blob file unlinked right after
the commit. Writes that bring new bytes (put, part, complete) share the COMMIT with concurrent ones
(storage/commit.py); each returns only once its own row is durable.

Memory mode is the same code with SQLite `:memory:` and the blob directory in a TemporaryDirectory
(removed on close) and no fsyncs; it behaves identically except for surviving a restart.

On-disk layout (disk mode; `data_dir` = Settings.data_dir):

    data_dir/
    ├── LOCK                     flock()ed while a store has the directory open (one emulator per dir)
    ├── meta.sqlite3             SQLite, WAL, synchronous=FULL: schema_version, buckets, objects,
    ├── meta.sqlite3-wal         uploads, parts, bucket_configs, object_versions, inline_bodies
    │                            (schema.py); every object/part/version row names its body by SHA-256:
    │                            an `inline_bodies` row (up to 64 KiB) or a blob file (larger, or
    │                            written before schema version 4)
    ├── meta.sqlite3-shm
    ├── tmp/
    │   └── <uuid4 hex>          a large body being spooled; renamed or removed, leftovers wiped at open
    └── blobs/
        └── <sha256[:2]>/
            └── <sha256>         immutable bytes, one file per distinct content, shared by rows

Never unlink a blob that a committed row references: every commit and unlink happens under the
metadata lock, and a blob placed by a write that has not committed yet is never unlinked (BlobDir).
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self, TypeVar

from cos_ocr_emulator.errors import CosError, no_such_bucket
from cos_ocr_emulator.ids import IdSource
from cos_ocr_emulator.storage.blobs import BlobDir, GcReport, fsync_dir
from cos_ocr_emulator.storage.bodycache import BodyCache
from cos_ocr_emulator.storage.commit import GroupCommit, Write
from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx
from cos_ocr_emulator.storage.models import BucketInfo, NewObject, ObjectInfo, StagedBody, UploadInfo
from cos_ocr_emulator.storage.readcache import ReadCache
from cos_ocr_emulator.storage.rows import to_dt

log = logging.getLogger(__name__)
T = TypeVar("T")


def quote_etag(md5_hex: str) -> str:
    return f'"{md5_hex}"'


class StoreCore:
    """The directory, the database and the write path `SqliteStore` is built on. Thread-safe."""

    def __init__(
        self, root: Path, *, memory: bool = False, clock: Callable[[], float] = time.time, ids: IdSource | None = None
    ) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="cos-emulator-") if memory else None
        self.data_dir = Path(self._tempdir.name) if self._tempdir is not None else Path(root)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._ids = ids or IdSource()  # version and upload ids (numbered in deterministic mode)
        self._lock_fd: int | None = os.open(self.data_dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise RuntimeError(f"{self.data_dir} is in use by another emulator process") from None
        self._blobs = BlobDir(self.data_dir, durable=not memory)
        self._db = MetaDB(None if memory else self.data_dir / "meta.sqlite3")
        self._reads = ReadCache(self._db)
        self._bodies = BodyCache()
        self._commits = GroupCommit(self._db, self._blobs)
        if not memory:
            fsync_dir(self.data_dir)  # the database files' own directory entries, on first open
        self.gc()

    # --- plumbing -----------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self._clock())  # whole seconds: Last-Modified and If-Modified-Since have no more

    def _info(
        self, bucket: str, key: str, new: NewObject | UploadInfo, size: int, etag: str, crc: int, blob_id: str
    ) -> ObjectInfo:
        """A new object row stamped now; content type, class, headers and meta come from `new`."""
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=size,
            etag=etag,
            crc64=crc,
            last_modified=to_dt(self._now()),
            content_type=new.content_type,
            blob_id=blob_id,
            storage_class=new.storage_class,
            headers=dict(new.headers),
            meta=dict(new.meta),
            acl=new.acl,
            tags=new.tags,
        )

    @contextmanager
    def _writing(self) -> Iterator[tuple[MetaTx, list[str]]]:
        """One write transaction; bodies whose ids are appended to the list are released with it (inline
        ones inside it, blob files right after the commit)."""
        dropped: list[str] = []
        with self._db.lock:
            with self._db.tx(write=True) as tx:
                yield tx, dropped
                files = tx.release(dropped)
            self._blobs.unlink_all(files)

    def _publish_and_write(self, staged: StagedBody, write: Write[T], *, refuses_first: bool = False) -> T:
        """Make `staged` durable and run `write(tx, blob_id, dropped)` in a group commit
        (storage/commit.py). A body held in memory is inserted inline in that same commit; a spooled one
        is fsynced and placed first, in the caller's thread, alongside other writers' fsyncs.
        `refuses_first`: `write` raises CosError only before it changes anything (GroupCommit.run)."""
        if staged.data is not None:
            return self._commits.run(staged.sha256_hex, write, staged.data, refuses_first=refuses_first)
        blob_id: str | None = None
        committed = False
        try:
            self._blobs.sync_staged(staged)
            blob_id = self._blobs.place(staged)
            result = self._commits.run(blob_id, write, refuses_first=refuses_first)
            committed = True
            return result
        finally:
            if blob_id is not None:
                self._blobs.settle(blob_id)
                if not committed:
                    with self._writing() as (_, dropped):  # no commit may slip between check and unlink
                        dropped.append(blob_id)  # the row never committed; drop the fresh blob
            self._blobs.discard(staged)

    async def _write_inline(self, staged: StagedBody, write: Write[T], *, refuses_first: bool = False) -> T:
        """`_publish_and_write` for a body held in memory, awaited on the event loop: no worker thread."""
        assert staged.data is not None
        return await self._commits.run_async(staged.sha256_hex, write, staged.data, refuses_first=refuses_first)

    def _read_body(self, blob_id: str, size: int, start: int, end: int) -> bytes | None:
        """Bytes [start, end] of an inline body (None: not stored inline; it is a file)."""
        if size > INLINE_MAX:
            return None
        body = self._bodies.get(blob_id)
        if body is None:
            with self._db.single() as tx:
                body = tx.read_inline(blob_id, 0, size - 1)
            if body is None:
                return None
            self._bodies.put(blob_id, body)
        return body if start == 0 and end == size - 1 else body[start : end + 1]

    @staticmethod
    def _bucket(tx: MetaTx, name: str) -> BucketInfo:
        info = tx.get_bucket(name)
        if info is None:
            raise no_such_bucket(name)
        return info

    def _upload(self, tx: MetaTx, bucket: str, key: str, upload_id: str) -> UploadInfo:
        self._bucket(tx, bucket)
        info = tx.get_upload(upload_id)
        if info is None or info.bucket != bucket or info.key != key:
            raise CosError("NoSuchUpload", resource=f"{bucket}/{key}")
        return info

    # --- bodies -------------------------------------------------------------------------------
    async def stage(self, chunks: AsyncIterator[bytes], *, max_size: int) -> StagedBody:
        return await self._blobs.stage(chunks, max_size=max_size, inline_max=INLINE_MAX)

    def discard(self, staged: StagedBody) -> None:
        self._blobs.discard(staged)

    # --- admin --------------------------------------------------------------------------------
    def body_ids(self) -> tuple[set[str], set[str]]:
        """(ids of blob files, ids of inline bodies): every body the data directory holds (for tests and
        diagnostics: a body no row names is a leak)."""
        with self._db.lock:
            with self._db.tx() as tx:
                inline = tx.inline_ids()
            return self._blobs.ids(), inline

    def gc(self) -> GcReport:
        """Remove temp files and unreferenced blobs (crash leftovers). Called at open; only safe while
        no request is staging a body."""
        with self._db.lock:
            with self._db.tx(write=True) as tx:
                dropped = tx.drop_unreferenced_inline()
                referenced = tx.referenced_blobs()
            if dropped:
                log.info("storage gc: removed %d unreferenced inline bodies", dropped)
            return self._blobs.gc(referenced)

    def reset(self) -> None:
        # Blobs go after the commit, under the same lock: a failed commit must not lose bytes.
        with self._db.lock:
            with self._db.tx(write=True) as tx:
                tx.clear()
            self._blobs.clear()
            self._bodies.clear()

    def close(self) -> None:
        """Close the database, release the directory lock, and (memory mode) delete everything."""
        if self._lock_fd is None:
            return
        self._commits.close()
        self._db.close()
        os.close(self._lock_fd)  # closing the descriptor releases the flock
        self._lock_fd = None
        if self._tempdir is not None:
            self._tempdir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
