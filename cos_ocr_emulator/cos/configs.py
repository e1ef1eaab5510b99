"""Bucket configuration sub-resources: PUT validates and stores the document, GET returns it, DELETE removes it.

Every configuration is one `ConfigSpec` (cos_ocr_emulator/xml/configs_*.py) on the generic per-bucket
document store. The handlers here are made from a spec, so adding a configuration is a spec and a
dispatch row. What differs from spec to spec (a PUT that means delete, a keyed document, a default
answer, a rule that needs the store) is said once, below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.xml.config_spec import ConfigSpec, parse_config
from cos_ocr_emulator.xml.configs_access import LOGGING, REFERER
from cos_ocr_emulator.xml.schema import children_named, text_at

Handler = Callable[[Ctx], Awaitable[Response]]
MAX_KEYED = 1000  # inventory / intelligent-tiering documents per bucket (S3's limit for both)


def document_key(ctx: Ctx, spec: ConfigSpec) -> str:
    """The store's name for the document a request addresses: "<name>" or "<name>/<id>"."""
    if spec.keyed_by is None:
        return spec.name
    key = ctx.req.param(spec.keyed_by) or ""
    if not key:
        raise CosError("InvalidArgument", f"The ?{spec.name} sub-resource needs a non-empty {spec.keyed_by}.")
    if len(key) > 64 and spec.keyed_by == "id":
        raise CosError("InvalidArgument", f"{spec.keyed_by} may be at most 64 characters.")
    return f"{spec.name}/{key}"


def missing(spec: ConfigSpec, ctx: Ctx) -> CosError:
    return CosError(spec.missing, resource=ctx.req.bucket)


StoreCheck = Callable[[Ctx, ConfigSpec, str], Awaitable[None]]


def put_config(spec: ConfigSpec, check: StoreCheck | None = None) -> Handler:
    """PUT: validate the body against the spec (and `check`, for rules that need the store), store it."""

    async def handler(ctx: Ctx) -> Response:
        await ctx.store.get_bucket(ctx.req.bucket)
        name = document_key(ctx, spec)
        body = await ctx.body_bytes()
        # Two PUTs remove the configuration: the SDKs delete a referer configuration with an empty body
        # (there is no DELETE ?referer) and switch logging off with no <LoggingEnabled>.
        if spec is REFERER and not body.strip():
            await ctx.store.delete_bucket_config(ctx.req.bucket, name)
            return empty_response()
        root, document = parse_config(spec, body)
        if spec is LOGGING and not children_named(root, "LoggingEnabled"):
            await ctx.store.delete_bucket_config(ctx.req.bucket, name)
            return empty_response()
        if spec.keyed_by == "id":
            given = text_at(root, "Id")
            if given is not None and given != name.split("/", 1)[1]:
                raise CosError("InvalidArgument", f"<Id> {given!r} differs from the id in the query string.")
            if await ctx.store.get_bucket_config(ctx.req.bucket, name) is None and await _count(ctx, spec) >= MAX_KEYED:
                raise CosError("TooManyConfigurations", f"A bucket may hold at most {MAX_KEYED} of these.")
        if check is not None:
            await check(ctx, spec, document)
        await ctx.store.put_bucket_config(ctx.req.bucket, name, document)
        return empty_response()

    return handler


async def _count(ctx: Ctx, spec: ConfigSpec) -> int:
    return sum(1 for name in await ctx.store.bucket_configs(ctx.req.bucket) if name.startswith(spec.name + "/"))


def get_config(spec: ConfigSpec) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        document = await ctx.store.get_bucket_config(ctx.req.bucket, document_key(ctx, spec))
        if document is None:
            if spec.default is None:
                raise missing(spec, ctx)
            document = spec.default
        return xml_response(document.encode("utf-8"))

    return handler


def delete_config(spec: ConfigSpec | str) -> Handler:
    """DELETE answers 204 whether or not a document was there, as COS does. A spec, or the store name of a
    configuration with its own format (cors, tagging, policy)."""

    async def handler(ctx: Ctx) -> Response:
        name = spec if isinstance(spec, str) else document_key(ctx, spec)
        await ctx.store.delete_bucket_config(ctx.req.bucket, name)
        return empty_response(204)

    return handler


async def keyed_documents(ctx: Ctx, spec: ConfigSpec) -> list[str]:
    """Every stored document of a keyed configuration, in id order."""
    configs = await ctx.store.bucket_configs(ctx.req.bucket)
    return [doc for name, doc in sorted(configs.items()) if name.startswith(spec.name + "/")]
