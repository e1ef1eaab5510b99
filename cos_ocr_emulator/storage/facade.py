"""`AsyncStore`: the store as handlers see it, every method awaitable.

Whether a call hops to a worker thread is decided here, once, per method, so no handler ever has to
think about it: metadata reads are single indexed SQLite lookups that finish in microseconds and run
inline on the event loop (a thread hop would cost more than the work); anything that commits a write
transaction (an fsync in disk mode), copies bytes or reads a whole object runs in a worker thread,
except a write of a small body held in memory (PUT, UploadPart): it is queued for the group commit
and awaited on the loop (storage/commit.py), as it has no file to fsync.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import ParamSpec, TypeVar

import anyio.to_thread

from cos_ocr_emulator.storage.base import Store
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

P = ParamSpec("P")
SMALL_READ = 64 * 1024  # GET bodies up to this size are read inline and sent in one message
T = TypeVar("T")


async def _off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))


class AsyncStore:
    def __init__(self, store: Store) -> None:
        self.sync = store  # the admin API and startup (seed, reset) use the synchronous store

    # --- bodies -------------------------------------------------------------------------------
    async def stage(self, chunks: AsyncIterator[bytes], *, max_size: int) -> StagedBody:
        return await self.sync.stage(chunks, max_size=max_size)

    async def discard(self, staged: StagedBody) -> None:
        self.sync.discard(staged)

    # --- buckets ------------------------------------------------------------------------------
    async def create_bucket(self, name: str, region: str, *, public_read: bool = False) -> BucketInfo:
        return await _off_loop(self.sync.create_bucket, name, region, public_read=public_read)

    async def get_bucket(self, name: str) -> BucketInfo:
        return self.sync.get_bucket(name)

    async def list_buckets(self) -> list[BucketInfo]:
        return self.sync.list_buckets()

    async def delete_bucket(self, name: str) -> None:
        await _off_loop(self.sync.delete_bucket, name)

    # --- bucket configuration documents -------------------------------------------------------
    async def get_bucket_config(self, bucket: str, name: str) -> str | None:
        return self.sync.get_bucket_config(bucket, name)

    async def bucket_configs(self, bucket: str) -> dict[str, str]:
        return self.sync.bucket_configs(bucket)

    async def put_bucket_config(self, bucket: str, name: str, document: str) -> None:
        await _off_loop(self.sync.put_bucket_config, bucket, name, document)

    async def delete_bucket_config(self, bucket: str, name: str) -> bool:
        return await _off_loop(self.sync.delete_bucket_config, bucket, name)

    # --- objects ------------------------------------------------------------------------------
    async def put_object(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> ObjectInfo:
        if staged.data is not None:  # nothing to fsync but the shared commit: awaited, no thread
            return await self.sync.put_object_async(bucket, key, staged, new)
        return await _off_loop(self.sync.put_object, bucket, key, staged, new)

    async def copy_object(
        self, src_bucket: str, src_key: str, bucket: str, key: str, new: NewObject, src_version: str | None = None
    ) -> ObjectInfo:
        return await _off_loop(self.sync.copy_object, src_bucket, src_key, bucket, key, new, src_version)

    async def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        return self.sync.head_object(bucket, key, version_id)

    async def set_object_fields(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        *,
        acl: str | None = None,
        tags: tuple[tuple[str, str], ...] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ObjectInfo:
        return await _off_loop(
            self.sync.set_object_fields, bucket, key, version_id, acl=acl, tags=tags, headers=headers
        )

    def read_range(self, info: ObjectInfo, start: int, end: int) -> Iterator[bytes]:
        """A blocking iterator; Starlette's StreamingResponse already pulls it in a worker thread."""
        return self.sync.read_range(info, start, end)

    async def read_small(self, info: ObjectInfo, start: int, end: int) -> bytes:
        """Bytes [start, end] of a span no longer than SMALL_READ, read inline: one page-cache read of
        a few KiB costs less than the two thread hops a streamed body takes."""
        if end - start + 1 > SMALL_READ:
            raise ValueError(f"read_small is for spans of at most {SMALL_READ} bytes")
        return self.sync.read_bytes(info, start, end)

    async def read_all(self, info: ObjectInfo) -> bytes:
        return await _off_loop(self.sync.read_all, info)

    async def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> DeleteOutcome:
        return await _off_loop(self.sync.delete_object, bucket, key, version_id)

    async def delete_objects(self, bucket: str, keys: list[tuple[str, str | None]]) -> list[DeleteOutcome]:
        return await _off_loop(self.sync.delete_objects, bucket, keys)

    async def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int,
    ) -> VersionListing:
        return self.sync.list_versions(
            bucket, prefix=prefix, delimiter=delimiter, key_marker=key_marker,
            version_id_marker=version_id_marker, max_keys=max_keys,
        )  # fmt: skip

    async def list_objects(
        self, bucket: str, *, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int
    ) -> ListResult:
        return self.sync.list_objects(bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys)

    # --- multipart ----------------------------------------------------------------------------
    async def initiate_upload(self, bucket: str, key: str, new: NewObject) -> UploadInfo:
        return await _off_loop(self.sync.initiate_upload, bucket, key, new)

    async def get_upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        return self.sync.get_upload(bucket, key, upload_id)

    async def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody
    ) -> PartInfo:
        if staged.data is not None:
            return await self.sync.upload_part_async(bucket, key, upload_id, part_number, staged)
        return await _off_loop(self.sync.upload_part, bucket, key, upload_id, part_number, staged)

    async def copy_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, src: ObjectInfo, start: int, end: int
    ) -> PartInfo:
        return await _off_loop(self.sync.copy_part, bucket, key, upload_id, part_number, src, start, end)

    async def list_parts(self, bucket: str, key: str, upload_id: str) -> list[PartInfo]:
        return self.sync.list_parts(bucket, key, upload_id)

    async def list_uploads(self, bucket: str, *, prefix: str = "") -> list[UploadInfo]:
        return self.sync.list_uploads(bucket, prefix=prefix)

    async def complete_upload(self, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        return await _off_loop(self.sync.complete_upload, bucket, key, upload_id, parts)

    async def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        await _off_loop(self.sync.abort_upload, bucket, key, upload_id)
