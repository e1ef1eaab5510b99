"""Tagging: `?tagging` on objects (per version) and buckets, the `x-cos-tagging` header on uploads, and
`x-cos-tagging-count` on GET/HEAD.

Limits as COS documents them: at most 10 tags per object and 50 per bucket, keys 1-128 and values 0-256
characters of letters, digits, spaces and `+ - = . _ : / @`, keys unique. A GET with no tags is
404 NoSuchTagSet for objects as well as buckets (the official SDKs turn that into an empty list).
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.tags_header import MAX_BUCKET_TAGS, MAX_OBJECT_TAGS, check_tags
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.storage.rows import dump_tags, load_tags
from cos_ocr_emulator.xml.tagging import parse_tagging, render_tagging

TAGGING = "tagging"  # the bucket_configs name


def _no_tags() -> CosError:
    return CosError("NoSuchTagSet")


async def get_object_tagging(ctx: Ctx) -> Response:
    info = await ctx.store.head_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id)
    if not info.tags:
        raise _no_tags()
    return xml_response(render_tagging(info.tags), headers=_version_header(info.version_id))


async def put_object_tagging(ctx: Ctx) -> Response:
    tags = check_tags(parse_tagging(await ctx.body_bytes(limit=64 * 1024)), limit=MAX_OBJECT_TAGS)
    info = await ctx.store.set_object_fields(ctx.req.bucket, ctx.req.key, ctx.req.version_id, tags=tags)
    return empty_response(headers=_version_header(info.version_id))


async def delete_object_tagging(ctx: Ctx) -> Response:
    info = await ctx.store.set_object_fields(ctx.req.bucket, ctx.req.key, ctx.req.version_id, tags=())
    return empty_response(204, headers=_version_header(info.version_id))


def _version_header(version_id: str) -> dict[str, str]:
    return {"x-cos-version-id": version_id} if version_id != "null" else {}


async def get_bucket_tagging(ctx: Ctx) -> Response:
    document = await ctx.store.get_bucket_config(ctx.req.bucket, TAGGING)
    if document is None:
        raise _no_tags()
    return xml_response(render_tagging(load_tags(document)))


async def put_bucket_tagging(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    tags = check_tags(parse_tagging(await ctx.body_bytes(limit=64 * 1024)), limit=MAX_BUCKET_TAGS)
    await ctx.store.put_bucket_config(ctx.req.bucket, TAGGING, dump_tags(tags))
    return empty_response()
