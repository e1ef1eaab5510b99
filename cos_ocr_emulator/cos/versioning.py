"""Versioning: GET/PUT Bucket `?versioning` and GET Bucket `?versions` (ListObjectVersions).

What a write or delete does under each state lives in `storage/versions.py`; the object handlers pass
`versionId` through and report `x-cos-version-id` / `x-cos-delete-marker`. A bucket that never had
versioning answers an empty `<VersioningConfiguration/>` (200, as COS does) and lists every object as
version "null".
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.storage.versions import VERSIONING
from cos_ocr_emulator.xml.cos import owner_nodes
from cos_ocr_emulator.xml.versioning import parse_versioning, render_list_versions, render_versioning


async def get_bucket_versioning(ctx: Ctx) -> Response:
    return xml_response(render_versioning(await ctx.store.get_bucket_config(ctx.req.bucket, VERSIONING)))


async def put_bucket_versioning(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    status = parse_versioning(await ctx.body_bytes(limit=16 * 1024))
    await ctx.store.put_bucket_config(ctx.req.bucket, VERSIONING, status)
    return empty_response()


async def list_object_versions(ctx: Ctx) -> Response:
    encoding = ctx.req.param("encoding-type")
    if encoding not in (None, "", "url"):
        raise CosError("InvalidArgument", f"encoding-type must be url, not {encoding!r}.")
    options = {
        "prefix": ctx.req.param("prefix") or "",
        "delimiter": ctx.req.param("delimiter") or "",
        "key_marker": ctx.req.param("key-marker") or "",
        "version_id_marker": ctx.req.param("version-id-marker") or "",
    }
    if options["version_id_marker"] and not options["key_marker"]:
        raise CosError("InvalidArgument", "A version-id marker cannot be specified without a key marker.")
    max_keys = ctx.req.int_param("max-keys", 1000, low=0, high=1000)
    listing = await ctx.store.list_versions(ctx.req.bucket, max_keys=max_keys, **options)
    body = render_list_versions(
        ctx.req.bucket, listing, max_keys=max_keys, url_encode=encoding == "url",
        owner=owner_nodes(ctx.settings.appid), **options,
    )  # fmt: skip
    return xml_response(body)
