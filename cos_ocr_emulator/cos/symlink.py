"""Symbolic links (`PUT/GET /<link>?symlink`): a link is an empty object that names its target.

PUT stores the link with `x-cos-symlink-target`; GET ?symlink reads that header back; GET and HEAD on the
link serve the target (NoSuchKey if the target is gone). A link to a link is refused, so following is
always one step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, http_date
from cos_ocr_emulator.storage.models import NewObject, ObjectInfo

TARGET = "x-cos-symlink-target"
OBJECT_TYPE = "x-cos-object-type"
MAX_KEY = 850  # COS's object key limit, in UTF-8 bytes


def is_symlink(info: ObjectInfo) -> bool:
    return info.headers.get(OBJECT_TYPE) == "symlink"


async def follow(ctx: Ctx, info: ObjectInfo) -> ObjectInfo:
    """The object a GET/HEAD serves: the target of a link, else `info` itself."""
    if not is_symlink(info):
        return info
    return await ctx.store.head_object(info.bucket, info.headers[TARGET])


def still_a_link(src: ObjectInfo, new: NewObject) -> NewObject:
    """A copy of a link is a link to the same target whatever the metadata directive: being a link is
    not metadata a `Replaced` copy drops (it would leave an empty object)."""
    if not is_symlink(src):
        return new
    return dataclasses.replace(new, headers={**new.headers, OBJECT_TYPE: "symlink", TARGET: src.headers[TARGET]})


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


async def put_symlink(ctx: Ctx) -> Response:
    target = ctx.req.header(TARGET) or ""
    if not target:
        raise CosError("InvalidArgument", f"PUT ?symlink needs the {TARGET} header.")
    if target == ctx.req.key:
        raise CosError("InvalidArgument", "A symlink may not point at itself.")
    if len(target.encode("utf-8")) > MAX_KEY:
        raise CosError("KeyTooLong", f"{TARGET} is longer than {MAX_KEY} bytes.")
    try:
        if is_symlink(await ctx.store.head_object(ctx.req.bucket, target)):
            raise CosError("InvalidArgument", "The target is itself a symlink; links are one step only.")
    except CosError as exc:
        if exc.code != "NoSuchKey":  # a link may be made before its target exists
            raise
    base = ctx.new_object()
    new = NewObject(
        content_type=base.content_type,
        storage_class=base.storage_class,
        headers={**base.headers, OBJECT_TYPE: "symlink", TARGET: target},
        meta=base.meta,
    )
    staged = await ctx.store.stage(_nothing(), max_size=0)
    info = await ctx.store.put_object(ctx.req.bucket, ctx.req.key, staged, new)
    return empty_response(headers={"ETag": info.etag, TARGET: target})


async def get_symlink(ctx: Ctx) -> Response:
    info = await ctx.store.head_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id)
    if not is_symlink(info):
        raise CosError("InvalidArgument", "The object is not a symlink.", resource=f"{info.bucket}/{info.key}")
    return empty_response(
        headers={TARGET: info.headers[TARGET], "ETag": info.etag, "Last-Modified": http_date(info.last_modified)}
    )
