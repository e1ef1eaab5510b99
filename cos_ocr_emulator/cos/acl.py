"""ACL operations: GET/PUT `?acl` on buckets and objects.

The ACL takes effect in `cos/access.py` (anonymous GET/HEAD). PUT takes the XML body or the
`x-cos-acl` / `x-cos-grant-*` headers; with neither COS has nothing to set and refuses the request.
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.cos.acl_model import DEFAULT, Grant, acl_from_headers, canned_name, dump_acl, load_acl
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.xml.acl import parse_acl, render_acl

ACL = "acl"  # the bucket_configs name


def bucket_grants(store: Store, bucket: str) -> list[Grant]:
    """The bucket's effective ACL: its document, else public-read for buckets created public
    (`--public-bucket`, seeds, PUT Bucket before ACLs were stored), else private."""
    document = store.get_bucket_config(bucket, ACL)
    if document is not None:
        return load_acl(document)
    if store.get_bucket(bucket).public_read:
        return [Grant("Group", "http://cam.qcloud.com/groups/global/AllUsers", "READ")]
    return []


async def _requested(ctx: Ctx, *, for_object: bool) -> str:
    body = await ctx.body_bytes(limit=64 * 1024)
    from_headers = acl_from_headers(ctx.req.headers, for_object=for_object)
    if body.strip():
        if from_headers is not None:
            raise CosError("InvalidRequest", "Specify the ACL either in the request body or in headers, not both.")
        return dump_acl(parse_acl(body))
    if from_headers is None:
        raise CosError("InvalidArgument", "AccessControlPolicy is not well-formed: no body and no x-cos-acl header.")
    return from_headers


async def get_bucket_acl(ctx: Ctx) -> Response:
    grants = bucket_grants(ctx.store.sync, ctx.req.bucket)
    return xml_response(
        render_acl(ctx.settings.appid, grants), headers={"x-cos-acl": canned_name(grants, for_object=False)}
    )


async def put_bucket_acl(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    document = await _requested(ctx, for_object=False)
    await ctx.store.put_bucket_config(ctx.req.bucket, ACL, document)
    return empty_response()


async def get_object_acl(ctx: Ctx) -> Response:
    info = await ctx.store.head_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id)
    grants = load_acl(info.acl)
    canned = canned_name(grants, for_object=True, is_default=info.acl == DEFAULT)
    return xml_response(render_acl(ctx.settings.appid, grants), headers={"x-cos-acl": canned})


async def put_object_acl(ctx: Ctx) -> Response:
    await ctx.store.head_object(ctx.req.bucket, ctx.req.key, ctx.req.version_id)  # NoSuchKey before the body
    document = await _requested(ctx, for_object=True)
    await ctx.store.set_object_fields(ctx.req.bucket, ctx.req.key, ctx.req.version_id, acl=document)
    return empty_response()
