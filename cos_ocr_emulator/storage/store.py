"""`SqliteStore`: the one `Store` implementation, on disk or in memory: buckets, configuration documents,
objects, versions and multipart uploads, each one transaction on `StoreCore` (plumbing.py), which owns the
directory, the write order that makes every acknowledged write durable, and the on-disk layout.

This module must never build a path from a key, never unlink a blob that a committed row references
(every publish, commit and unlink goes through `StoreCore`), and never read a whole object into
memory except in `read_all`, which exists for OCR.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from cos_ocr_emulator.errors import CosError, no_such_bucket, no_such_key
from cos_ocr_emulator.limits import MAX_KEYS, MAX_PART_NUMBER
from cos_ocr_emulator.storage.blobs import READ_CHUNK
from cos_ocr_emulator.storage.commit import Write
from cos_ocr_emulator.storage.completion import check_completion, multipart_etag
from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.listing import list_objects
from cos_ocr_emulator.storage.meta import MetaTx, PartRow
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
from cos_ocr_emulator.storage.plumbing import StoreCore, quote_etag
from cos_ocr_emulator.storage.rows import dump_tags, to_dt
from cos_ocr_emulator.storage.versions import install, list_versions, lookup, remove

_CONCAT_CHUNK = 1024 * 1024  # complete: bigger reads than GET, the copy is disk-bound


class SqliteStore(StoreCore):
    """Implements `cos_ocr_emulator.storage.base.Store`. Thread-safe; `stage` is the only async method."""

    # --- buckets ------------------------------------------------------------------------------
    def create_bucket(self, name: str, region: str, *, public_read: bool = False) -> BucketInfo:
        with self._writing() as (tx, _):
            if tx.get_bucket(name) is not None:
                raise CosError("BucketAlreadyOwnedByYou", resource=name)
            info = BucketInfo(name, region, to_dt(self._now()), public_read)
            tx.insert_bucket(info)
        return info

    def get_bucket(self, name: str) -> BucketInfo:
        info = self._reads.buckets().get(name)
        if info is None:
            raise no_such_bucket(name)
        return info

    def bucket_exists(self, name: str) -> bool:
        return name in self._reads.buckets()

    def list_buckets(self) -> list[BucketInfo]:
        return list(self._reads.buckets().values())  # loaded in name order

    def delete_bucket(self, name: str) -> None:
        with self._writing() as (tx, _):
            self._bucket(tx, name)
            if tx.bucket_has_content(name):
                raise CosError("BucketNotEmpty", resource=name)
            tx.delete_bucket(name)

    # --- bucket configuration documents -------------------------------------------------------
    def get_bucket_config(self, bucket: str, name: str) -> str | None:
        # Asked on every PUT (encryption): from memory once read (readcache.py).
        return self._reads.config(bucket, name, lambda: self._load_config(bucket, name))

    def _load_config(self, bucket: str, name: str) -> str | None:
        # A document can only exist while its bucket does, so the bucket is looked up only when there is none.
        with self._db.single() as tx:
            document = tx.get_config(bucket, name)
            if document is None:
                self._bucket(tx, bucket)  # NoSuchBucket is not cached
        return document

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
        return self._publish_and_write(staged, self._put_write(bucket, key, staged, new), refuses_first=True)

    async def put_object_async(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> ObjectInfo:
        """`put_object` for a body held in memory (`staged.data`), awaited without a worker thread."""
        return await self._write_inline(staged, self._put_write(bucket, key, staged, new), refuses_first=True)

    def _put_write(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> Write[ObjectInfo]:
        info = self._info(bucket, key, new, staged.size, quote_etag(staged.md5_hex), staged.crc64, staged.sha256_hex)

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> ObjectInfo:
            # Refuses (NoSuchBucket) before it changes anything: run with `refuses_first` (commit.py).
            exists, versioning, current_blob = tx.put_state(bucket, key)
            if not exists:
                raise no_such_bucket(bucket)
            new_info, old = install(tx, info, staged.md5_hex, self._ids.version_id, versioning, current_blob)
            dropped.extend(b for b in old if b)
            return new_info

        return write

    def copy_object(
        self, src_bucket: str, src_key: str, bucket: str, key: str, new: NewObject, src_version: str | None = None
    ) -> ObjectInfo:
        """Shares the source blob; the copy's ETag is the plain MD5 of its bytes, even from multipart."""
        with self._writing() as (tx, dropped):
            src, md5_hex = lookup(tx, src_bucket, src_key, src_version)
            self._bucket(tx, bucket)
            info = self._info(bucket, key, new, src.size, quote_etag(md5_hex), src.crc64, src.blob_id)
            info, old = install(tx, info, md5_hex, self._ids.version_id)
            dropped.extend(b for b in old if b)
        return info

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        found = self._reads.current_object(bucket, key)  # the common case: no SQL at all when cached
        if found is not None and version_id in (None, found.version_id):
            return found
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

        The body is opened here, not on first iteration: NoSuchKey if it vanished since HEAD.
        """
        if start < 0:
            raise ValueError("negative range start")
        end = min(end, info.size - 1)
        try:
            return self._open_body(info.blob_id, info.size, start, end, READ_CHUNK)
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def read_bytes(self, info: ObjectInfo, start: int, end: int) -> bytes:
        """Bytes [start, end] inclusive, at once (small spans: the caller bounds the size)."""
        if start < 0:
            raise ValueError("negative range start")
        end = min(end, info.size - 1)
        inline = self._read_body(info.blob_id, info.size, start, end)
        if inline is not None:
            return inline
        try:
            return self._blobs.read(info.blob_id, start, end)
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def read_all(self, info: ObjectInfo) -> bytes:
        inline = self._read_body(info.blob_id, info.size, 0, info.size - 1)
        if inline is not None:
            return inline
        try:
            return self._blobs.path(info.blob_id).read_bytes()
        except FileNotFoundError:
            raise no_such_key(info.bucket, info.key) from None

    def _open_body(self, blob_id: str, size: int, start: int, end: int, chunk: int) -> Iterator[bytes]:
        """Bytes [start, end] of a body wherever it lives; FileNotFoundError if it is gone."""
        inline = self._read_body(blob_id, size, start, end)
        if inline is not None:
            return iter([inline] if inline else [])
        return self._blobs.open_range(blob_id, start, end, chunk)

    def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> DeleteOutcome:
        return self.delete_objects(bucket, [(key, version_id)])[0]

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
                outcome, old = remove(tx, bucket, key, version_id, now, self._ids.version_id)
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
            upload_id = self._ids.upload_id()
            while tx.get_upload(upload_id) is not None:  # deterministic numbering restarts with the process
                upload_id = self._ids.upload_id()
            info = UploadInfo(
                bucket=bucket,
                key=key,
                upload_id=upload_id,
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
        return self._publish_and_write(staged, self._part_write(bucket, key, upload_id, part_number, staged))

    async def upload_part_async(
        self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody
    ) -> PartInfo:
        """`upload_part` for a body held in memory (`staged.data`), awaited without a worker thread."""
        return await self._write_inline(staged, self._part_write(bucket, key, upload_id, part_number, staged))

    def _part_write(
        self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody
    ) -> Write[PartInfo]:
        if not 1 <= part_number <= MAX_PART_NUMBER:
            self._blobs.discard(staged)
            raise CosError(
                "InvalidArgument", f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive."
            )
        info = PartInfo(part_number, quote_etag(staged.md5_hex), staged.size, staged.crc64, to_dt(self._now()))

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> PartInfo:
            self._upload(tx, bucket, key, upload_id)
            old = tx.put_part(upload_id, PartRow(info, blob_id, staged.md5_hex))
            if old is not None:
                dropped.append(old)
            return info

        return write

    def copy_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, src: ObjectInfo, start: int, end: int
    ) -> PartInfo:
        """Bytes [start, end] inclusive of `src` as part `part_number` (end = start - 1: empty part)."""
        if not (0 <= start <= end + 1 and end < src.size):
            raise CosError("InvalidRange", resource=f"{src.bucket}/{src.key}")
        self.get_upload(bucket, key, upload_id)  # fail before copying bytes for nothing
        staged = self._blobs.stage_iter(self.read_range(src, start, end), inline_max=INLINE_MAX)
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
                reader = self._open_body(row.blob_id, row.info.size, 0, row.info.size - 1, _CONCAT_CHUNK)
            except FileNotFoundError:  # aborted by someone else while we were copying
                raise CosError("NoSuchUpload") from None
            yield from reader

    def complete_upload(self, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """Validate, concatenate the parts into one new blob (streamed, outside the lock), then commit
        the object and drop the upload in one transaction."""
        with self._db.tx() as tx:
            upload = self._upload(tx, bucket, key, upload_id)
            chosen = check_completion(parts, {row.info.part_number: row for row in tx.parts(upload_id)})
        staged = self._blobs.stage_iter(self._concat(chosen), inline_max=INLINE_MAX)
        etag = multipart_etag([row.md5_hex for row in chosen])
        info = self._info(bucket, key, upload, staged.size, etag, staged.crc64, staged.sha256_hex)

        def write(tx: MetaTx, blob_id: str, dropped: list[str]) -> ObjectInfo:
            self._upload(tx, bucket, key, upload_id)  # a concurrent complete/abort won
            current = {row.info.part_number: row.blob_id for row in tx.parts(upload_id)}
            if any(current.get(row.info.part_number) != row.blob_id for row in chosen):
                raise CosError("InvalidPart")  # a listed part was re-uploaded while we concatenated
            new_info, old = install(tx, info, staged.md5_hex, self._ids.version_id)
            dropped.extend(b for b in [*old, *tx.delete_upload(upload_id)] if b)
            return new_info

        return self._publish_and_write(staged, write)

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        with self._writing() as (tx, dropped):
            self._upload(tx, bucket, key, upload_id)
            dropped.extend(tx.delete_upload(upload_id))

    def purge_bucket(self, bucket: str) -> None:
        """Remove every object, version, upload and configuration document of a bucket (admin reset)."""
        with self._writing() as (tx, dropped):
            self._bucket(tx, bucket)
            dropped.extend(tx.purge_bucket(bucket))
