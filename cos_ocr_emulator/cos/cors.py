"""CORS: GET/PUT/DELETE Bucket `?cors`, the OPTIONS preflight, and the Access-Control-* headers on
matching actual requests (`cors_headers`, applied by the entry point to every bucket request that
carries an Origin, errors included, so a browser can read them).
"""

from __future__ import annotations

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.cors_model import CorsRule, allow_origin, dump_cors, load_cors, match
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.request import CosRequest
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.xml.cors import parse_cors, render_cors

CORS = "cors"  # the bucket_configs name


def _rules(store: Store, bucket: str) -> list[CorsRule]:
    document = store.get_bucket_config(bucket, CORS)
    return [] if document is None else load_cors(document)[0]


async def get_bucket_cors(ctx: Ctx) -> Response:
    document = await ctx.store.get_bucket_config(ctx.req.bucket, CORS)
    if document is None:
        raise CosError("NoSuchCORSConfiguration")
    return xml_response(render_cors(*load_cors(document)))


async def put_bucket_cors(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    rules, vary = parse_cors(await ctx.body_bytes(limit=64 * 1024))
    await ctx.store.put_bucket_config(ctx.req.bucket, CORS, dump_cors(rules, vary))
    return empty_response()


def _requested_headers(value: str | None) -> list[str]:
    return [h.strip() for h in (value or "").split(",") if h.strip()]


async def options_object(ctx: Ctx) -> Response:
    """The browser's preflight: 200 with the Access-Control-* headers of the first matching rule."""
    origin = ctx.req.header("origin")
    method = ctx.req.header("access-control-request-method")
    if not origin or not method:
        raise CosError("BadRequest", "Insufficient information. Origin and Access-Control-Request-Method are needed.")
    wanted = _requested_headers(ctx.req.header("access-control-request-headers"))
    rule = match(_rules(ctx.store.sync, ctx.req.bucket), origin, method, wanted)
    if rule is None:
        raise CosError("AccessForbidden")
    headers = _allowed(rule, origin, "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
    if wanted:
        headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
    return empty_response(200, headers)


def cors_headers(store: Store, req: CosRequest) -> dict[str, str]:
    """Headers for an actual (non-preflight) request with an Origin that a rule allows, else none."""
    origin = req.header("origin")
    if not origin or req.target.bucket is None:
        return {}
    try:
        rules = _rules(store, req.target.bucket)
    except CosError:  # no such bucket: nothing to allow
        return {}
    rule = match(rules, origin, req.method.upper(), [])
    if rule is None:
        return {}
    return _allowed(rule, origin, "Origin")


def _allowed(rule: CorsRule, origin: str, vary: str) -> dict[str, str]:
    """The Access-Control-* headers a matching rule gives, preflight or actual request."""
    headers = {
        "Access-Control-Allow-Origin": allow_origin(rule, origin),
        "Access-Control-Allow-Methods": ", ".join(rule.methods),
        "Vary": vary,
    }
    if rule.expose:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.expose)
    if rule.max_age is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age)
    return headers
