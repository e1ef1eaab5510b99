"""Bucket operations: PutBucket, HeadBucket, DeleteBucket, ListObjects (v1), GetBucketLocation,
DeleteMultipleObjects, and ListBuckets on the service host.

Deviations (docs/deviations.md): every bucket lives in the configured region unless the request's host
names another.
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.addressing import is_valid_bucket_name
from cos_ocr_emulator.cos.acl import ACL
from cos_ocr_emulator.cos.acl_model import acl_from_headers
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_KEYS
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.xml.cos import (
    parse_delete,
    render_delete_result,
    render_list_buckets,
    render_list_objects,
    render_location,
)


async def put_bucket(ctx: Ctx) -> Response:
    name = ctx.req.bucket
    if not is_valid_bucket_name(name):
        raise CosError("InvalidBucketName", f"{name!r} is not a valid bucket name (<name>-<appid>, lower case).")
    if not name.endswith(ctx.settings.bucket_suffix):
        raise CosError("InvalidBucketName", f"Bucket names here end with the APPID -{ctx.settings.appid}.")
    acl = acl_from_headers(ctx.req.headers, for_object=False)  # a bad x-cos-acl creates nothing
    await ctx.store.create_bucket(name, ctx.req.target.region or ctx.settings.region)
    if acl is not None:
        await ctx.store.put_bucket_config(name, ACL, acl)
    return empty_response()


async def head_bucket(ctx: Ctx) -> Response:
    bucket = await ctx.store.get_bucket(ctx.req.bucket)
    return empty_response(headers={"x-cos-bucket-region": bucket.region, "x-cos-bucket-arch": "COS"})


async def delete_bucket(ctx: Ctx) -> Response:
    await ctx.store.delete_bucket(ctx.req.bucket)
    return empty_response(204)


async def get_bucket_location(ctx: Ctx) -> Response:
    bucket = await ctx.store.get_bucket(ctx.req.bucket)
    return xml_response(render_location(bucket.region))


def _url_encoding(ctx: Ctx) -> bool:
    encoding = ctx.req.param("encoding-type")
    if encoding not in (None, "", "url"):
        raise CosError("InvalidArgument", f"encoding-type must be url, not {encoding!r}.")
    return encoding == "url"


async def list_objects(ctx: Ctx) -> Response:
    prefix = ctx.req.param("prefix") or ""
    delimiter = ctx.req.param("delimiter") or ""
    marker = ctx.req.param("marker") or ""
    max_keys = ctx.req.int_param("max-keys", MAX_KEYS, low=0, high=MAX_KEYS)
    url_encode = _url_encoding(ctx)
    result = await ctx.store.list_objects(
        ctx.req.bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
    )
    body = render_list_objects(
        ctx.req.bucket, result, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys,
        url_encode=url_encode, appid=ctx.settings.appid,
    )  # fmt: skip
    return xml_response(body)


async def delete_multiple_objects(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    keys, quiet = parse_delete(await ctx.body_bytes())
    url_encode = _url_encoding(ctx)
    outcomes = await ctx.store.delete_objects(ctx.req.bucket, keys)
    deleted = [(key, version, outcome) for (key, version), outcome in zip(keys, outcomes, strict=True)]
    return xml_response(render_delete_result(deleted, [], quiet=quiet, url_encode=url_encode))


async def list_buckets(ctx: Ctx) -> Response:
    return xml_response(render_list_buckets(await ctx.store.list_buckets(), ctx.settings.appid))
