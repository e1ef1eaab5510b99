"""`SqliteStore`: the one `Store` implementation, on disk or in memory.

It exists to put the two halves together in the only safe order. Bytes first: spooled to a temp file,
fsynced, renamed into a content-addressed blob, directory fsynced. Then the SQLite row that points at
the blob is committed. A crash between the two leaves an unreferenced blob or temp file, which `gc()`
removes at the next open; it can never leave a row pointing at missing or partial bytes. A blob whose
last row goes away (overwrite, delete, abort) is unlinked right after the commit. Writes that bring
new bytes (put, part, complete) are committed in groups: concurrent ones share the directory fsync and
the COMMIT (storage/commit.py); each still returns only once its own row is durable.

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

This module must never build a path from a key, never unlink a blob that a committed row references
(every publish, commit and unlink happens under the metadata lock), and never read a whole object into
memory except in `read_all`, which exists for OCR.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cos_ocr_emulator.errors import CosError, no_such_bucket, no_such_key
from cos_ocr_emulator.limits import MAX_KEYS, MAX_PART_NUMBER
from cos_ocr_emulator.storage.blobs import BlobDir, GcReport, fsync_dir
from cos_ocr_emulator.storage.commit import GroupCommit
from cos_ocr_emulator.storage.completion import check_completion, multipart_etag
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx, PartRow, list_objects
from cos_ocr_emulator.storage.models import (
    BucketInfo,
    DeleteOutcome,
    ListResult,
    NewObject,
    ObjectInfo,
    PartInfo,
    StagedBody,
    UploadInfo,
    VersionListing,
)
from cos_ocr_emulator.storage.rows import dump_tags, to_dt
from cos_ocr_emulator.storage.versions import install, list_versions, lookup, remove

log = logging.getLogger(__name__)

_CONCAT_CHUNK = 1024 * 1024  # complete: bigger reads than GET, the copy is disk-bound


def _quote(md5_hex: str) -> str:
    return f'"{md5_hex}"'


class SqliteStore:
    """Implements `cos_ocr_emulator.storage.base.Store`. Thread-safe; `stage` is the only async method."""

    def __init__(self, root: Path, *, memory: bool = False, clock: Callable[[], float] = time.time) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="cos-emulator-") if memory else None
        self.data_dir = Path(self._tempdir.name) if self._tempdir is not None else Path(root)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock_fd: int | None = os.open(self.data_dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise RuntimeError(f"{self.data_dir} is in use by another emulator process") from None
        self._blobs = BlobDir(self.data_dir, durable=not memory)
        self._db = MetaDB(None if memory else self.data_dir / "meta.sqlite3")
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

    # --- buckets ------------------------------------------------------------------------------
    def create_bucket(self, name: str, region: str, *, public_read: bool = False) -> BucketInfo:
        with self._writing() as (tx, _):
            if tx.get_bucket(name) is not None:
                raise CosError("BucketAlreadyOwnedByYou", resource=name)
            info = BucketInfo(name, region, to_dt(self._now()), public_read)
            tx.insert_bucket(info)
        return info

    def get_bucket(self, name: str) -> BucketInfo:
        with self._db.tx() as tx:
            return self._bucket(tx, name)

    def bucket_exists(self, name: str) -> bool:
        return self._db.bucket_exists(name)

    def list_buckets(self) -> list[BucketInfo]:
        with self._db.tx() as tx:
            return tx.list_buckets()

    def delete_bucket(self, name: str) -> None:
        with self._writing() as (tx, _):
            self._bucket(tx, name)
            if tx.bucket_has_content(name):
                raise CosError("BucketNotEmpty", resource=name)
            tx.delete_bucket(name)

    # --- bucket configuration documents -------------------------------------------------------
    def get_bucket_config(self, bucket: str, name: str) -> str | None:
        with self._db.tx() as tx:
            self._bucket(tx, bucket)
            return tx.get_config(bucket, name)

    def bucket_configs(self, bucket: str) -> dict[str, str]:
        with self._db.tx() as tx:
            self._bucket(tx, bucket)
            return tx.configs(bucket)

    def put_bucket_config(self, bucket: str, name: str, document: str) -> None:
        with self._writing() as (tx, _):
            self._bucket(tx, bucket)
            tx.put_config(bucket, name, document)

    def delete_bucket_config(self, bucket: str, name: str) -> bool:
        with self._writing() as (tx, _):
            self._bucket(tx, bucket)
            return tx.delete_config(bucket, name)

    # --- objects ------------------------------------------------------------------------------
    def put_object(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> ObjectInfo:
        """Consumes `staged` whatever happens (published, or removed on error)."""
        info = self._info(bucket, key, new, staged.size, _quote(staged.md5_hex), staged.crc64, staged.sha256_hex)

        installed: list[ObjectInfo] = []

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> None:
            self._bucket(tx, bucket)
            new_info, old = install(tx, info, staged.md5_hex)
            installed.append(new_info)
            dropped.extend(b for b in old if b)

        self._publish_and_write(staged, write)
        return installed[0]

    def copy_object(
        self, src_bucket: str, src_key: str, bucket: str, key: str, new: NewObject, src_version: str | None = None
    ) -> ObjectInfo:
        """Shares the source blob; the copy's ETag is the plain MD5 of its bytes, even from multipart."""
        with self._writing() as (tx, dropped):
            src, md5_hex = lookup(tx, src_bucket, src_key, src_version)
            self._bucket(tx, bucket)
            info = self._info(bucket, key, new, src.size, _quote(md5_hex), src.crc64, src.blob_id)
            info, old = install(tx, info, md5_hex)
            dropped.extend(b for b in old if b)
        return info

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        with self._db.single() as tx:  # the common case, the current version, is one SELECT
            found = tx.get_object(bucket, key)
        if found is not None and version_id in (None, found[0].version_id):
            return found[0]
        with self._db.tx() as tx:
            return lookup(tx, bucket, key, version_id)[0]

    def set_object_fields(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        *,
        acl: str | None = None,
        tags: tuple[tuple[str, str], ...] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ObjectInfo:
        """Replace an existing version's ACL and/or tags (PUT ?acl, PUT/DELETE ?tagging), or the current
        version's stored headers (a restore's x-cos-restore); the bytes, ETag and Last-Modified stay."""
        with self._writing() as (tx, _):
            info, md5_hex = lookup(tx, bucket, key, version_id)
            updated = dataclasses.replace(
                info,
                acl=info.acl if acl is None else acl,
                tags=info.tags if tags is None else tags,
                headers=info.headers if headers is None else dict(headers),
            )
            current = tx.get_object(bucket, key)
            if current is not None and current[0].version_id == info.version_id:
                tx.put_object(updated, md5_hex)
            elif headers is not None:
                raise CosError("InvalidRequest", "The emulator changes stored headers of the current version only.")
            else:
                tx.update_version_fields(bucket, key, info.version_id, acl=updated.acl, tags=dump_tags(updated.tags))
        return updated

    def read_range(self, info: ObjectInfo, start: int, end: int) -> Iterator[bytes]:
        """Bytes [start, end] inclusive (end is clamped to the size; end < start yields nothing).

        The blob is opened here, not on first iteration: NoSuchKey if it vanished since HEAD.
        """
        if start < 0:
            raise ValueError("negative range start")
        end = min(end, info.size - 1)
        try:
            return self._blobs.open_range(info.blob_id, start, end)
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def read_bytes(self, info: ObjectInfo, start: int, end: int) -> bytes:
        """Bytes [start, end] inclusive, at once (small spans: the caller bounds the size)."""
        if start < 0:
            raise ValueError("negative range start")
        try:
            return self._blobs.read(info.blob_id, start, min(end, info.size - 1))
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def read_all(self, info: ObjectInfo) -> bytes:
        try:
            return self._blobs.path(info.blob_id).read_bytes()
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> DeleteOutcome:
        with self._writing() as (tx, dropped):
            self._bucket(tx, bucket)
            outcome, old = remove(tx, bucket, key, version_id, to_dt(self._now()))
            dropped.extend(b for b in old if b)
        return outcome

    def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = MAX_KEYS,
    ) -> VersionListing:
        with self._db.tx() as tx:
            self._bucket(tx, bucket)
            return list_versions(tx, bucket, prefix, delimiter, key_marker, version_id_marker, min(max_keys, MAX_KEYS))

    def delete_objects(self, bucket: str, keys: list[tuple[str, str | None]]) -> list[DeleteOutcome]:
        """Multi-delete: every (key, version) in one transaction (one commit, one fsync), missing ones included."""
        outcomes: list[DeleteOutcome] = []
        with self._writing() as (tx, dropped):
            self._bucket(tx, bucket)
            now = to_dt(self._now())
            for key, version_id in keys:
                outcome, old = remove(tx, bucket, key, version_id, now)
                outcomes.append(outcome)
                dropped.extend(b for b in old if b)
        return outcomes

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = MAX_KEYS,
    ) -> ListResult:
        """V1 listing in UTF-8 byte order; max_keys above 1000 is capped at 1000, as COS does."""
        if max_keys < 0:
            raise CosError("InvalidArgument", "max-keys must be a non-negative integer.")
        with self._db.tx() as tx:
            self._bucket(tx, bucket)
            return list_objects(tx, bucket, prefix, delimiter, marker, min(max_keys, MAX_KEYS))

    # --- multipart ----------------------------------------------------------------------------
    def initiate_upload(self, bucket: str, key: str, new: NewObject) -> UploadInfo:
        with self._writing() as (tx, _):
            self._bucket(tx, bucket)
            info = UploadInfo(
                bucket=bucket,
                key=key,
                upload_id=secrets.token_hex(16),
                initiated=to_dt(self._now()),
                content_type=new.content_type,
                storage_class=new.storage_class,
                headers=dict(new.headers),
                meta=dict(new.meta),
                acl=new.acl,
                tags=new.tags,
            )
            tx.insert_upload(info)
        return info

    def get_upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        with self._db.tx() as tx:
            return self._upload(tx, bucket, key, upload_id)

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody) -> PartInfo:
        """Consumes `staged`. Re-uploading a part number replaces that part."""
        if not 1 <= part_number <= MAX_PART_NUMBER:
            self._blobs.discard(staged)
            raise CosError(
                "InvalidArgument", f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive."
            )
        info = PartInfo(part_number, _quote(staged.md5_hex), staged.size, staged.crc64, to_dt(self._now()))

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> None:
            self._upload(tx, bucket, key, upload_id)
            old = tx.put_part(upload_id, PartRow(info, blob_id, staged.md5_hex))
            if old is not None:
                dropped.append(old)

        self._publish_and_write(staged, write)
        return info

    def copy_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, src: ObjectInfo, start: int, end: int
    ) -> PartInfo:
        """Bytes [start, end] inclusive of `src` as part `part_number` (end = start - 1: empty part)."""
        if not (0 <= start <= end + 1 and end < src.size):
            raise CosError("InvalidRange", resource=f"{src.bucket}/{src.key}")
        self.get_upload(bucket, key, upload_id)  # fail before copying bytes for nothing
        staged = self._blobs.stage_iter(self.read_range(src, start, end))
        return self.upload_part(bucket, key, upload_id, part_number, staged)

    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[PartInfo]:
        with self._db.tx() as tx:
            self._upload(tx, bucket, key, upload_id)
            return [row.info for row in tx.parts(upload_id)]

    def list_uploads(self, bucket: str, *, prefix: str = "") -> list[UploadInfo]:
        """In-progress uploads under `prefix`, by key and then initiation time (COS order)."""
        with self._db.tx() as tx:
            self._bucket(tx, bucket)
            return tx.list_uploads(bucket, prefix)

    def _concat(self, parts: list[PartRow]) -> Iterator[bytes]:
        for row in parts:
            try:
                reader = self._blobs.open_range(row.blob_id, 0, row.info.size - 1, _CONCAT_CHUNK)
            except FileNotFoundError:  # aborted by someone else while we were copying
                raise CosError("NoSuchUpload") from None
            yield from reader

    def complete_upload(self, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """Validate, concatenate the parts into one new blob (streamed, outside the lock), then commit
        the object and drop the upload in one transaction."""
        with self._db.tx() as tx:
            upload = self._upload(tx, bucket, key, upload_id)
            chosen = check_completion(parts, {row.info.part_number: row for row in tx.parts(upload_id)})
        staged = self._blobs.stage_iter(self._concat(chosen))
        etag = multipart_etag([row.md5_hex for row in chosen])
        info = self._info(bucket, key, upload, staged.size, etag, staged.crc64, staged.sha256_hex)
        installed: list[ObjectInfo] = []

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> None:
            self._upload(tx, bucket, key, upload_id)  # a concurrent complete/abort won
            current = {row.info.part_number: row.blob_id for row in tx.parts(upload_id)}
            if any(current.get(row.info.part_number) != row.blob_id for row in chosen):
                raise CosError("InvalidPart")  # a listed part was re-uploaded while we concatenated
            new_info, old = install(tx, info, staged.md5_hex)
            installed.append(new_info)
            dropped.extend(b for b in [*old, *tx.delete_upload(upload_id)] if b)

        self._publish_and_write(staged, write)
        return installed[0]

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        with self._writing() as (tx, dropped):
            self._upload(tx, bucket, key, upload_id)
            dropped.extend(tx.delete_upload(upload_id))

    # --- admin --------------------------------------------------------------------------------
    def gc(self) -> GcReport:
        """Remove temp files and unreferenced blobs (crash leftovers). Called at open; only safe while
        no request is staging a body."""
        with self._db.lock, self._db.tx() as tx:
            return self._blobs.gc(tx.referenced_blobs())

    def purge_bucket(self, bucket: str) -> None:
        """Remove every object, version, upload and configuration document of a bucket (admin reset)."""
        with self._writing() as (tx, dropped):
            self._bucket(tx, bucket)
            dropped.extend(tx.purge_bucket(bucket))

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

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
