"""Multipart upload: Initiate, UploadPart, UploadPartCopy, ListParts, Complete, Abort, ListMultipartUploads.

This is the path the SDKs' high-level uploaders take (`upload_file`, `sliceUploadFile`): they list
in-progress uploads first to resume, then list parts and compare ETag and Size (docs/wire-compat.md §5.4).
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.cos.append import refuse_multipart_over_appendable
from cos_ocr_emulator.cos.conditions import check_preconditions, copy_source_version, parse_copy_source
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.object import stage_body
from cos_ocr_emulator.cos.restore import check_readable
from cos_ocr_emulator.cos.sse import sse_echo
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_KEYS, MAX_PART_NUMBER
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.xml.cos import (
    parse_complete_multipart,
    render_complete,
    render_copy_part,
    render_initiate,
    render_list_parts,
    render_list_uploads,
)


def _upload_id(ctx: Ctx) -> str:
    upload_id = ctx.req.param("uploadid") or ""
    if not upload_id:
        raise CosError("NoSuchUpload", "uploadId is empty.")
    return upload_id


async def initiate_multipart_upload(ctx: Ctx) -> Response:
    await refuse_multipart_over_appendable(ctx)
    upload = await ctx.store.initiate_upload(ctx.req.bucket, ctx.req.key, ctx.new_object())
    return xml_response(render_initiate(upload), headers=sse_echo(upload.headers))


async def upload_part(ctx: Ctx) -> Response:
    number = ctx.req.int_param("partnumber", 0, low=1, high=MAX_PART_NUMBER)
    upload_id = _upload_id(ctx)
    await ctx.store.get_upload(ctx.req.bucket, ctx.req.key, upload_id)  # fail before reading the body
    staged = await stage_body(ctx)
    part = await ctx.store.upload_part(ctx.req.bucket, ctx.req.key, upload_id, number, staged)
    return empty_response(headers={"ETag": part.etag, "x-cos-hash-crc64ecma": str(part.crc64)})


async def upload_part_copy(ctx: Ctx) -> Response:
    number = ctx.req.int_param("partnumber", 0, low=1, high=MAX_PART_NUMBER)
    upload_id = _upload_id(ctx)
    source = ctx.req.header("x-cos-copy-source") or ""
    src_bucket, src_key = parse_copy_source(source)
    src = await ctx.store.head_object(src_bucket, src_key, copy_source_version(source))
    check_readable(src)
    check_preconditions(ctx.req.headers, src, prefix="x-cos-copy-source-")
    start, end = _copy_range(ctx.req.header("x-cos-copy-source-range"), src.size)
    part = await ctx.store.copy_part(ctx.req.bucket, ctx.req.key, upload_id, number, src, start, end)
    return xml_response(render_copy_part(part))


def _copy_range(header: str | None, size: int) -> tuple[int, int]:
    # The Python SDK always sends the header, empty when the caller gave no range: the whole source.
    if header is None or not header.strip():
        return 0, size - 1
    value = header.strip()
    try:
        assert value.startswith("bytes=")
        first, last = value[6:].split("-", 1)
        start, end = int(first), int(last)
    except (AssertionError, ValueError) as exc:
        raise CosError("InvalidArgument", f"x-cos-copy-source-range {header!r} must be bytes=first-last.") from exc
    if not 0 <= start <= end < size:
        raise CosError("InvalidRange", f"x-cos-copy-source-range {header!r} is outside the {size}-byte source.")
    return start, end


async def list_parts(ctx: Ctx) -> Response:
    upload_id = _upload_id(ctx)
    upload = await ctx.store.get_upload(ctx.req.bucket, ctx.req.key, upload_id)
    parts = await ctx.store.list_parts(ctx.req.bucket, ctx.req.key, upload_id)
    body = render_list_parts(
        upload,
        parts,
        max_parts=ctx.req.int_param("max-parts", MAX_KEYS, low=0, high=MAX_KEYS),
        marker=ctx.req.int_param("part-number-marker", 0, low=0, high=MAX_PART_NUMBER),
        url_encode=ctx.req.param("encoding-type") == "url",
        appid=ctx.settings.appid,
    )
    return xml_response(body)


async def complete_multipart_upload(ctx: Ctx) -> Response:
    upload_id = _upload_id(ctx)
    await ctx.store.get_upload(ctx.req.bucket, ctx.req.key, upload_id)
    parts = parse_complete_multipart(await ctx.body_bytes())
    await refuse_multipart_over_appendable(ctx)
    info = await ctx.store.complete_upload(ctx.req.bucket, ctx.req.key, upload_id, parts)
    host = ctx.req.host or f"{ctx.req.bucket}.cos.{ctx.settings.region}.myqcloud.com"
    location = f"{host}/{ctx.req.key}"
    headers = {"x-cos-hash-crc64ecma": str(info.crc64), **sse_echo(info.headers)}
    return xml_response(render_complete(location, info), headers=headers)


async def abort_multipart_upload(ctx: Ctx) -> Response:
    await ctx.store.abort_upload(ctx.req.bucket, ctx.req.key, _upload_id(ctx))
    return empty_response(204)


async def list_multipart_uploads(ctx: Ctx) -> Response:
    prefix = ctx.req.param("prefix") or ""
    await ctx.store.get_bucket(ctx.req.bucket)
    uploads = await ctx.store.list_uploads(ctx.req.bucket, prefix=prefix)
    body = render_list_uploads(
        ctx.req.bucket, uploads, prefix=prefix, url_encode=ctx.req.param("encoding-type") == "url",
        appid=ctx.settings.appid,
    )  # fmt: skip
    return xml_response(body)
