"""Object operations: PutObject, GetObject, HeadObject, DeleteObject, PutObjectCopy.

Every read and delete takes `versionId`; writes report the version they created (`x-cos-version-id`)
when the bucket is versioned. Deviations from COS (docs/deviations.md): SSE and x-cos-traffic-limit
throttling are not modelled (the traffic-limit header is accepted and ignored); a malformed Range is
refused.
"""

from __future__ import annotations

import dataclasses

from starlette.responses import Response, StreamingResponse

from cos_ocr_emulator.cos.conditions import (
    check_preconditions,
    copy_source_version,
    parse_content_md5,
    parse_copy_source,
    parse_range,
)
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.restore import check_readable
from cos_ocr_emulator.cos.sse import sse_echo
from cos_ocr_emulator.cos.symlink import follow, still_a_link
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import SERVER_COS, empty_response, header_value, object_headers, xml_response
from cos_ocr_emulator.storage.facade import SMALL_READ
from cos_ocr_emulator.storage.models import NULL_VERSION, NewObject, ObjectInfo, StagedBody
from cos_ocr_emulator.xml.cos import render_copy_object

# response-* query parameters override these response headers on GET (COS GET Object doc).
_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


async def stage_body(ctx: Ctx) -> StagedBody:
    """Spool the body, then hold it to Content-MD5 and Content-Length; a mismatch stores nothing."""
    expected_md5 = parse_content_md5(ctx.req.header("content-md5"))
    staged = await ctx.store.stage(ctx.body_stream(), max_size=ctx.settings.max_object_size)
    declared = ctx.req.header("content-length")
    if declared is not None and declared.isdigit() and int(declared) != staged.size:
        await ctx.store.discard(staged)
        raise CosError("IncompleteBody", f"Content-Length said {declared} bytes but {staged.size} arrived.")
    if expected_md5 is not None and expected_md5 != staged.md5_hex:
        await ctx.store.discard(staged)
        raise CosError("BadDigest", f"Content-MD5 is {expected_md5} but the body's MD5 is {staged.md5_hex}.")
    return staged


async def put_object(ctx: Ctx) -> Response:
    new = ctx.new_object()
    staged = await stage_body(ctx)
    info = await ctx.store.put_object(ctx.req.bucket, ctx.req.key, staged, new)
    headers = {"ETag": info.etag, "x-cos-hash-crc64ecma": str(info.crc64), **version_header(info.version_id)}
    return empty_response(headers={**headers, **sse_echo(info.headers)})


def version_header(version_id: str | None) -> dict[str, str]:
    return {"x-cos-version-id": version_id} if version_id not in (None, NULL_VERSION) else {}


async def _head(ctx: Ctx) -> ObjectInfo:
    """The object a GET/HEAD serves: the named version, or a symlink's target."""
    return await follow(ctx, await ctx.store.head_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id))


def _not_modified(info: ObjectInfo) -> Response:
    return empty_response(304, {"ETag": info.etag, "Last-Modified": object_headers(info)["Last-Modified"]})


def _prepared(ctx: Ctx, info: ObjectInfo) -> tuple[int, dict[str, str], tuple[int, int] | None]:
    """Status, headers and byte span HEAD and GET share: Range → 206 + Content-Range, exact Content-Length."""
    headers = object_headers(info)
    headers["Server"] = SERVER_COS
    span = parse_range(ctx.req.header("range"), info.size) if info.size else None
    if span is not None:
        headers["Content-Range"] = f"bytes {span[0]}-{span[1]}/{info.size}"
    headers["Content-Length"] = str(info.size if span is None else span[1] - span[0] + 1)
    return (200 if span is None else 206), headers, span


async def head_object(ctx: Ctx) -> Response:
    info = await _head(ctx)
    if check_preconditions(ctx.req.headers, info) == 304:
        return _not_modified(info)
    status, headers, _ = _prepared(ctx, info)
    return Response(b"", status_code=status, headers=headers)


async def get_object(ctx: Ctx) -> Response:
    info = await _head(ctx)
    check_readable(info)
    if check_preconditions(ctx.req.headers, info) == 304:
        return _not_modified(info)
    status, headers, span = _prepared(ctx, info)
    if params := ctx.req.params:
        for param, header in _RESPONSE_OVERRIDES.items():
            if (value := params.get(param)) is not None:
                headers[header] = header_value(value)
    if info.size == 0:
        return Response(b"", status_code=200, headers=headers)
    start, end = span if span is not None else (0, info.size - 1)
    # Body bytes go out exactly as stored (Content-Encoding is metadata, never applied by us).
    if end - start < SMALL_READ:
        return Response(await ctx.store.read_small(info, start, end), status_code=status, headers=headers)
    return StreamingResponse(ctx.store.read_range(info, start, end), status_code=status, headers=headers)


async def delete_object(ctx: Ctx) -> Response:
    outcome = await ctx.store.delete_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id)
    headers = {"x-cos-version-id": outcome.version_id} if outcome.version_id is not None else {}
    if outcome.delete_marker:
        headers["x-cos-delete-marker"] = "true"
    return empty_response(204, headers)


async def put_object_copy(ctx: Ctx) -> Response:
    source = ctx.req.header("x-cos-copy-source") or ""
    src_bucket, src_key = parse_copy_source(source)
    src_version = copy_source_version(source)
    src = await ctx.store.head_object(src_bucket, src_key, src_version)
    check_readable(src)
    check_preconditions(ctx.req.headers, src, prefix="x-cos-copy-source-")
    directive = (ctx.req.header("x-cos-metadata-directive") or "Copy").capitalize()
    if directive not in {"Copy", "Replaced"}:
        raise CosError("InvalidArgument", "x-cos-metadata-directive must be Copy or Replaced.")
    same = (src_bucket, src_key) == (ctx.req.bucket, ctx.req.key)
    if same and directive == "Copy":
        raise CosError(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing "
            "the object's metadata (send x-cos-metadata-directive: Replaced).",
        )
    tagging = (ctx.req.header("x-cos-tagging-directive") or "Copy").capitalize()
    if tagging not in {"Copy", "Replaced"}:
        raise CosError("InvalidArgument", "x-cos-tagging-directive must be Copy or Replaced.")
    new = still_a_link(src, ctx.new_object() if directive == "Replaced" else _copied(src, ctx.new_object()))
    if tagging == "Copy":
        new = dataclasses.replace(new, tags=src.tags)
    info = await ctx.store.copy_object(src_bucket, src_key, ctx.req.bucket, ctx.req.key, new, src_version)
    headers = {"x-cos-hash-crc64ecma": str(info.crc64), **version_header(info.version_id)}
    if src.version_id != NULL_VERSION:
        headers["x-cos-copy-source-version-id"] = src.version_id
    return xml_response(render_copy_object(info), headers=headers)


def _copied(src: ObjectInfo, requested: NewObject) -> NewObject:
    # With directive Copy the source's metadata wins; only the storage class and the ACL may change.
    return dataclasses.replace(requested, content_type=src.content_type, headers=dict(src.headers), meta=dict(src.meta))
