"""The `Store` protocol: the only storage surface handlers see.

Implementations raise catalogue errors themselves (NoSuchBucket, NoSuchKey, NoSuchUpload,
BucketNotEmpty, BucketAlreadyOwnedByYou, InvalidPart, InvalidPartOrder, EntityTooSmall), so no handler
ever maps "not found" by hand. Methods are synchronous and thread-safe (except `stage` and the `*_async`
writes of a body held in memory, which are awaited on the event loop); handlers reach them through
`storage/facade.py`, which decides which calls hop to a worker thread. Keys are opaque strings and
never become paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol

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


class Store(Protocol):
    # --- bodies -------------------------------------------------------------------------------
    async def stage(self, chunks: AsyncIterator[bytes], *, max_size: int) -> StagedBody:
        """Take in a body, computing size, md5, sha256 and crc64: a small one (storage/inline.py
        INLINE_MAX) is held in memory, a larger one spooled to a temp file in one pass.

        Raises EntityTooLarge past max_size. The temp file is removed by `discard` or consumed by
        `put_object` / `upload_part`.
        """
        ...

    def discard(self, staged: StagedBody) -> None: ...

    # --- buckets ------------------------------------------------------------------------------
    def create_bucket(self, name: str, region: str, *, public_read: bool = False) -> BucketInfo: ...
    def get_bucket(self, name: str) -> BucketInfo: ...
    def bucket_exists(self, name: str) -> bool: ...
    def list_buckets(self) -> list[BucketInfo]: ...
    def delete_bucket(self, name: str) -> None: ...

    # --- bucket configuration documents -------------------------------------------------------
    # One opaque text document per (bucket, name), e.g. ("cors", "<CORSConfiguration>..."): the handler
    # that owns `name` chooses the format (normalised XML or JSON) and validates it before storing.
    # Every method raises NoSuchBucket for a missing bucket; delete_bucket removes a bucket's documents.
    def get_bucket_config(self, bucket: str, name: str) -> str | None:
        """The stored document, or None if none was put (the handler picks the NoSuch* error)."""
        ...

    def bucket_configs(self, bucket: str) -> dict[str, str]:
        """Every document of the bucket, by name."""
        ...

    def put_bucket_config(self, bucket: str, name: str, document: str) -> None:
        """Create or replace; durable when it returns."""
        ...

    def delete_bucket_config(self, bucket: str, name: str) -> bool:
        """True if a document was removed (deleting a missing one is not an error here)."""
        ...

    # --- objects ------------------------------------------------------------------------------
    def put_object(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> ObjectInfo:
        """Make the staged bytes durable (a small body in the row's own commit, a large one fsync +
        rename first), then commit the metadata row.

        An acknowledged put survives kill -9. Overwrites are atomic: a reader sees old or new.
        """
        ...

    async def put_object_async(self, bucket: str, key: str, staged: StagedBody, new: NewObject) -> ObjectInfo:
        """`put_object` for a body held in memory (`staged.data` set), from the event loop: it waits for
        its commit without occupying a worker thread."""
        ...

    def copy_object(
        self, src_bucket: str, src_key: str, bucket: str, key: str, new: NewObject, src_version: str | None = None
    ) -> ObjectInfo: ...
    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        """The current version or the one named. NoSuchKey (a current delete marker adds the
        x-cos-delete-marker header), NoSuchVersion, or MethodNotAllowed for a named delete marker."""
        ...

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
        """Replace a version's ACL document and/or tags in place, or the current version's stored
        headers (None leaves a field as it is)."""
        ...

    def read_range(self, info: ObjectInfo, start: int, end: int) -> Iterator[bytes]:
        """Yield bytes [start, end] inclusive of the blob behind `info`, in chunks."""
        ...

    def read_bytes(self, info: ObjectInfo, start: int, end: int) -> bytes:
        """Bytes [start, end] inclusive in one piece; for small spans only."""
        ...

    def read_all(self, info: ObjectInfo) -> bytes: ...
    def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> DeleteOutcome:
        """Idempotent: deleting a missing key or version succeeds (COS answers 204); a missing bucket raises.
        Under versioning (storage/versions.py) a delete without version id writes a delete marker."""
        ...

    def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 1000,
    ) -> VersionListing: ...

    def delete_objects(self, bucket: str, keys: list[tuple[str, str | None]]) -> list[DeleteOutcome]:
        """Delete every (key, version id or None) in one transaction, as `delete_object` does each."""
        ...

    def list_objects(
        self, bucket: str, *, prefix: str = "", delimiter: str = "", marker: str = "", max_keys: int = 1000
    ) -> ListResult: ...

    # --- multipart ----------------------------------------------------------------------------
    def initiate_upload(self, bucket: str, key: str, new: NewObject) -> UploadInfo: ...
    def get_upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo: ...
    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody) -> PartInfo: ...
    async def upload_part_async(
        self, bucket: str, key: str, upload_id: str, part_number: int, staged: StagedBody
    ) -> PartInfo:
        """`upload_part` for a body held in memory, as `put_object_async`."""
        ...

    def copy_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, src: ObjectInfo, start: int, end: int
    ) -> PartInfo: ...
    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[PartInfo]: ...
    def list_uploads(self, bucket: str, *, prefix: str = "") -> list[UploadInfo]: ...
    def complete_upload(self, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """parts: (part number, quoted or bare etag) as the client listed them."""
        ...

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None: ...

    # --- admin --------------------------------------------------------------------------------
    def purge_bucket(self, bucket: str) -> None:
        """Remove every object, version, upload and configuration document of one bucket."""
        ...

    def reset(self) -> None:
        """Drop every bucket, object and upload (the admin API reseeds afterwards)."""
        ...

    def close(self) -> None: ...
