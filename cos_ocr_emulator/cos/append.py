"""APPEND Object (`POST /<key>?append&position=N`): grow an appendable object by one request body.

The first append (position 0) creates the object as `x-cos-object-type: appendable`; each further one must
name the current length as its position (else 409 PositionNotEqualToLength, with the length to use in
`x-cos-next-append-position`). A normal object cannot be appended to (409 ObjectNotAppendable), a PUT
over an appendable object makes it normal again, and multipart may not replace it (see
`refuse_multipart_over_appendable`). Appendable objects do not support versioning, as in COS.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.object import stage_body
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response
from cos_ocr_emulator.storage.models import NewObject, ObjectInfo, StagedBody

OBJECT_TYPE = "x-cos-object-type"
NEXT_POSITION = "x-cos-next-append-position"
MAX_APPENDABLE = 5 * 1024**3  # COS: an appendable object grows to 5 GB at most
_CHUNK = 256 * 1024
# Appends are read-modify-write; one at a time keeps two racing appends from both passing the position check.
_APPEND_LOCK = asyncio.Lock()


def is_appendable(info: ObjectInfo) -> bool:
    return info.headers.get(OBJECT_TYPE) == "appendable"


async def _current(ctx: Ctx) -> ObjectInfo | None:
    try:
        return await ctx.store.head_object(ctx.req.bucket, ctx.req.key)
    except CosError as exc:
        if exc.code == "NoSuchKey":
            return None
        raise


def _position(ctx: Ctx) -> int:
    raw = ctx.req.param("position")
    if raw is None or not raw.isdigit():
        raise CosError("InvalidArgument", f"APPEND needs position=<non-negative integer>, not {raw!r}.")
    return int(raw)


def _mismatch(length: int) -> CosError:
    return CosError(
        "PositionNotEqualToLength",
        f"position must equal the object's length, {length}.",
        headers={NEXT_POSITION: str(length)},
    )


async def _joined(ctx: Ctx, old: ObjectInfo | None, tail: StagedBody) -> AsyncIterator[bytes]:
    if old is not None and old.size:
        for chunk in ctx.store.read_range(old, 0, old.size - 1):
            yield chunk
    if tail.data is not None:  # a small tail is held in memory (storage/inline.py)
        yield tail.data
        return
    assert tail.path is not None
    with tail.path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


async def append_object(ctx: Ctx) -> Response:
    position = _position(ctx)
    await ctx.store.get_bucket(ctx.req.bucket)
    if await ctx.store.get_bucket_config(ctx.req.bucket, "versioning") in ("Enabled", "Suspended"):
        raise CosError("InvalidRequest", "Appendable objects are not supported in a versioned bucket.")
    async with _APPEND_LOCK:
        old = await _current(ctx)
        if old is not None and not is_appendable(old):
            raise CosError("ObjectNotAppendable", resource=f"{ctx.req.bucket}/{ctx.req.key}")
        length = 0 if old is None else old.size
        if position != length:
            raise _mismatch(length)
        tail = await stage_body(ctx)
        try:
            if length + tail.size > MAX_APPENDABLE:
                raise CosError("EntityTooLarge", "An appendable object may grow to 5 GB at most.")
            limit = min(ctx.settings.max_object_size, MAX_APPENDABLE)
            whole = await ctx.store.stage(_joined(ctx, old, tail), max_size=limit)
        finally:
            await ctx.store.discard(tail)
        new = _described(ctx, old)
        info = await ctx.store.put_object(ctx.req.bucket, ctx.req.key, whole, new)
    return empty_response(
        headers={"ETag": info.etag, "x-cos-hash-crc64ecma": str(info.crc64), NEXT_POSITION: str(info.size)}
    )


def _described(ctx: Ctx, old: ObjectInfo | None) -> NewObject:
    """The first append describes the object (type, metadata, class); later ones keep that description."""
    if old is None:
        first = ctx.new_object()
        return dataclasses.replace(first, headers={**first.headers, OBJECT_TYPE: "appendable"})
    return NewObject(
        content_type=old.content_type, storage_class=old.storage_class, headers=dict(old.headers), meta=dict(old.meta)
    )


async def refuse_multipart_over_appendable(ctx: Ctx) -> None:
    """Multipart may not replace an appendable object (InitiateMultipartUpload and Complete check it)."""
    old = await _current(ctx)
    if old is not None and is_appendable(old):
        raise CosError(
            "InvalidRequest",
            "The object is appendable; a multipart upload may not replace it (delete it or PUT over it first).",
            resource=f"{ctx.req.bucket}/{ctx.req.key}",
        )
