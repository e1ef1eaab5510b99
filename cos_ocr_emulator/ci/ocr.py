"""`GET /<key>?ci-process=OCR` and `GET /?ci-process=OCR&detect-url=…` (CI "Synchronizing OCR Requests").

The handler finds the answer in this order: a canned result (admin API: by key or detect-url, then by
content SHA-256), the OCR result cache (by content SHA-256 + effective parameters + engine identity,
`cos_ocr_emulator.ocr.cache`), and only then the bytes (a stored object, or the detect-url image)
handed to the OCR service; parsing parameters, decoding, recognition and the XML belong to
`cos_ocr_emulator.ocr` and `cos_ocr_emulator.xml.ocr`. A stored object's content hash is its blob id,
so a cache hit never reads the object. The response is spelled exactly as the Python SDK's
`ci_process` needs to parse it: `Content-Type: application/xml` with no charset, and a
`Content-Length` (docs/wire-compat.md §4.3).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.responses import Response

from cos_ocr_emulator.addressing import bucket_from_host, resolve, split_host
from cos_ocr_emulator.admin.canned import result_from_json, result_to_json
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.restore import check_readable
from cos_ocr_emulator.cos.symlink import follow
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr.cache import OcrCache, cache_key
from cos_ocr_emulator.ocr.request import OcrRequest
from cos_ocr_emulator.ocr.result import OcrResult
from cos_ocr_emulator.ocr.source import decode_detect_url, fetch_detect_url
from cos_ocr_emulator.responses import SERVER_CI, xml_response
from cos_ocr_emulator.storage.models import ObjectInfo
from cos_ocr_emulator.xml.ocr import render_ocr

log = logging.getLogger("cos_ocr_emulator")

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


async def ocr(ctx: Ctx) -> Response:
    request = OcrRequest.parse(ctx.req.params)
    raw_url = ctx.req.param("detect-url")
    url = decode_detect_url(raw_url) if raw_url else None
    if url is None and ctx.req.target.kind != "object":
        raise CosError("InvalidArgument", "Give an object key in the path or a detect-url parameter.")
    key = None if url is not None else ctx.req.key
    # Looked up first: NoSuchKey even when a canned result exists.
    info = await follow(ctx, await ctx.store.head_object(ctx.req.bucket, key)) if key is not None else None
    canned = ctx.state.canned.find(bucket=ctx.req.target.bucket, key=key, sha256="", detect_url=url)
    data: bytes | None = None
    if canned is None:
        if info is not None:
            _check_readable(ctx, info)
            digest = info.blob_id  # blobs are content-addressed: no need to read the bytes to hash them
        else:
            assert url is not None
            data = await fetch_detect_url(url, ctx.settings, lambda u: _read_local(ctx, u))
            digest = hashlib.sha256(data).hexdigest()
        canned = ctx.state.canned.find(bucket=None, key=None, sha256=digest, detect_url=None)
    if canned is not None:
        _note(ctx, "canned")
        result = result_from_json(canned)
        ctx.record.ocr_engine = "canned"
    else:
        source = data if data is not None else info
        assert source is not None
        result = await _recognize(ctx, request, digest, source)
        configured = ctx.state.ocr.engine.name
        ctx.record.ocr_engine = result.engine
        if result.engine != configured:  # PP-OCR does not read this language: Tesseract did
            asked = request.language_type
            language = asked if asked == result.language else f"{asked} (detected {result.language})"
            ctx.record.ocr_fallback = f"language-type={language} is not read by {configured}; {result.engine} read it"
    return xml_response(render_ocr(result, ctx.request_id), server=SERVER_CI)


async def _recognize(ctx: Ctx, request: OcrRequest, digest: str, source: bytes | ObjectInfo) -> OcrResult:
    """Answer from the result cache, or recognize (reading a stored object only now) and remember it."""
    # First, so that the event loop never blocks on the warm-up thread building the service.
    await ctx.state.warmup.wait()
    cache: OcrCache | None = ctx.state.ocr_cache
    service = ctx.state.ocr
    entry, generation = "", 0
    if cache is not None:
        entry = cache_key(cache.identity(service.engine, ctx.settings), digest, request)
        generation = cache.generation
        cached = cache.get(entry)
        if cached is not None:
            try:
                result = result_from_json(json.loads(zlib.decompress(cached)))
            except (ValueError, TypeError, AttributeError, KeyError, zlib.error) as exc:  # damaged: recompute
                log.warning("OCR cache entry %s does not decode (%s); recognizing again", entry, exc)
                cache.discard(entry)
            else:
                _note(ctx, "hit")
                return result
    _note(ctx, "miss" if cache is not None else "off")
    data = source if isinstance(source, bytes) else await ctx.store.read_all(source)
    ctx.record.ocr_engine = service.engine.name  # kept in the journal when the reading fails or times out
    fresh: OcrResult = await service.recognize(data, request)
    if cache is not None:
        value = zlib.compress(json.dumps(result_to_json(fresh), separators=(",", ":")).encode())
        await anyio.to_thread.run_sync(cache.put, entry, value, generation)
    return fresh


def _note(ctx: Ctx, outcome: str) -> None:
    """The journal's `ocr_cache` field: hit, miss, off (cache disabled) or canned."""
    ctx.record.ocr_cache = outcome


def _check_readable(ctx: Ctx, info: ObjectInfo) -> None:
    """Checked before the cache too: a cached result never answers for an archived or oversized object."""
    check_readable(info)  # an archived object is processed only once restored, as in COS
    if info.size > ctx.settings.ocr_max_image_bytes:
        raise CosError(
            "ImageTooLarge", f"The object is {info.size} bytes; the limit is {ctx.settings.ocr_max_image_bytes}."
        )


async def _read(ctx: Ctx, info: ObjectInfo) -> bytes:
    _check_readable(ctx, info)
    return await ctx.store.read_all(info)


def _port(netloc: str, default: int) -> int:
    tail = netloc.rsplit("]", 1)[-1]
    _, sep, port = tail.rpartition(":")
    return int(port) if sep and port.isdigit() else default


def _is_self(netloc: str, ctx: Ctx) -> bool:
    """Bucket domains are always ours; a bare local host is ours only on the port we serve."""
    name = split_host(netloc)
    if bucket_from_host(name) is not None:
        return True
    if name not in _LOCAL_HOSTS and name != split_host(ctx.req.host):
        return False
    ours = {ctx.settings.port, _port(ctx.req.host, 80)}
    return _port(netloc, 80) in ours


async def _read_local(ctx: Ctx, url: str) -> bytes | None:
    """A detect-url that points at this emulator is read from storage, never over the network."""
    parts = urlsplit(url)
    if not _is_self(parts.netloc, ctx):
        return None
    target = resolve(
        parts.netloc,
        (parts.path or "/").encode("utf-8"),
        default_bucket=ctx.settings.default_bucket,
        appid=ctx.settings.appid,
        bucket_exists=ctx.state.bucket_exists,
    )
    if target.kind != "object" or target.bucket is None:
        raise CosError("ResourceDownloadFailed", f"detect-url {url!r} does not name an object on this emulator.")
    try:
        info = await ctx.store.head_object(target.bucket, target.key)
    except CosError as exc:
        if exc.code in {"NoSuchKey", "NoSuchBucket"}:
            raise CosError("ResourceDownloadFailed", f"detect-url {url!r}: {exc.message}") from exc
        raise
    return await _read(ctx, info)
