"""`StoreCore`: what every `SqliteStore` operation stands on. Opening a data directory (lock, blob
directory, database, crash leftovers), the write transaction and the order of a durable write, and
closing. The operations themselves are in `store.py`.

A write puts the two halves together in the only safe order. Bytes first: spooled to a temp file,
fsynced, renamed into a content-addressed blob, directory fsynced. Then the SQLite row that points at
the blob is committed. A crash between the two leaves an unreferenced blob or temp file, which `gc()`
removes at the next open; it can never leave a row pointing at missing or partial bytes. A blob whose
last row goes away (overwrite, delete, abort) is unlinked right after the commit. Writes that bring
new bytes (put, part, complete) fsync their bytes and blob directory in their own thread and share
the COMMIT with concurrent ones (storage/commit.py); each returns only once its own row is durable.

Memory mode is the same code with SQLite `:memory:` and the blob directory in a TemporaryDirectory
(removed on close) and no fsyncs; it behaves identically except for surviving a restart.

On-disk layout (disk mode; `data_dir` = Settings.data_dir):

    data_dir/
    ├── LOCK                     flock()ed while a store has the directory open (one emulator per dir)
    ├── meta.sqlite3             SQLite, WAL, synchronous=FULL: schema_version, buckets, objects,
    ├── meta.sqlite3-wal         uploads, parts, bucket_configs (schema.py); every object/part row
    │                            names a blob by SHA-256
    ├── meta.sqlite3-shm
    ├── tmp/
    │   └── <uuid4 hex>          a body being spooled; renamed or removed, leftovers wiped at open
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
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from cos_ocr_emulator.errors import CosError, no_such_bucket
from cos_ocr_emulator.ids import IdSource
from cos_ocr_emulator.storage.blobs import BlobDir, GcReport, fsync_dir
from cos_ocr_emulator.storage.commit import GroupCommit
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx
from cos_ocr_emulator.storage.models import BucketInfo, NewObject, ObjectInfo, StagedBody, UploadInfo
from cos_ocr_emulator.storage.readcache import ReadCache
from cos_ocr_emulator.storage.rows import to_dt

log = logging.getLogger(__name__)


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
        """One write transaction; blob ids appended to the list are released after the commit."""
        dropped: list[str] = []
        with self._db.lock:
            with self._db.tx(write=True) as tx:
                yield tx, dropped
            self._release(dropped)

    def _release(self, blob_ids: Iterable[str | None]) -> None:
        """Unlink blobs no row references any more. Holding the lock keeps `publish` from re-adopting
        one between the check and the unlink."""
        with self._db.tx() as tx:
            unused = {b for b in blob_ids if b is not None and not tx.is_referenced(b)}
        for blob_id in unused:
            try:
                self._blobs.unlink(blob_id)
            except OSError:  # the write already committed; gc at the next open retries
                log.exception("could not remove unreferenced blob %s", blob_id)

    def _publish_and_write(self, staged: StagedBody, write: Callable[[MetaTx, str, list[str]], None]) -> None:
        """Make `staged` durable and place it (in the caller's thread, alongside other writers' fsyncs),
        then run `write(tx, blob_id, dropped)` in a group commit (storage/commit.py)."""
        blob_id: str | None = None
        committed = False
        try:
            self._blobs.sync_staged(staged)
            blob_id = self._blobs.place(staged)
            self._commits.run(blob_id, write)
            committed = True
        finally:
            if blob_id is not None:
                self._blobs.settle(blob_id)
                if not committed:
                    with self._db.lock:  # no commit may slip between the check and the unlink
                        self._release([blob_id])  # the row never committed; drop the fresh blob
            self._blobs.discard(staged)

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
        return await self._blobs.stage(chunks, max_size=max_size)

    def discard(self, staged: StagedBody) -> None:
        self._blobs.discard(staged)

    # --- admin --------------------------------------------------------------------------------
    def gc(self) -> GcReport:
        """Remove temp files and unreferenced blobs (crash leftovers). Called at open; only safe while
        no request is staging a body."""
        with self._db.lock, self._db.tx() as tx:
            return self._blobs.gc(tx.referenced_blobs())

    def reset(self) -> None:
        # Blobs go after the commit, under the same lock: a failed commit must not lose bytes.
        with self._db.lock:
            with self._db.tx(write=True) as tx:
                tx.clear()
            self._blobs.clear()

    def close(self) -> None:
        """Close the database, release the directory lock, and (memory mode) delete everything."""
        if self._lock_fd is None:
            return
        self._db.close()
        os.close(self._lock_fd)  # closing the descriptor releases the flock
        self._lock_fd = None
        if self._tempdir is not None:
            self._tempdir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
