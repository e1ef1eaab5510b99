"""Building HTTP responses the way COS sends them: header spelling, XML content type, object headers.

Header *names* matter: the Python SDK returns `dict(**rt.headers)` and indexes it with fixed
spellings ('Content-Length', 'ETag', 'x-cos-hash-crc64ecma'; docs/wire-compat.md §5.2), and `ci_process` parses
XML only when the key 'Content-Type' is exactly 'application/xml' (§4.3). Starlette lower-cases names,
so the edge (`edge.py`) re-spells them with `canonical_header`.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, formatdate
from functools import lru_cache

from starlette.responses import Response

from cos_ocr_emulator.storage.models import NULL_VERSION, ObjectInfo

SERVER_COS = "tencent-cos"
SERVER_CI = "tencent-ci"

_SPECIAL = {"etag": "ETag", "content-md5": "Content-MD5", "www-authenticate": "WWW-Authenticate"}


@lru_cache(maxsize=1024)
def canonical_header(name: bytes) -> bytes:
    """'content-type' → 'Content-Type'; x-cos-* and other x-* names stay lower case, as COS sends them."""
    lower = name.lower()
    if lower.startswith(b"x-"):
        return lower
    text = lower.decode("latin-1")
    if text in _SPECIAL:
        return _SPECIAL[text].encode("latin-1")
    return "-".join(part.capitalize() for part in text.split("-")).encode("latin-1")


def header_value(value: str) -> str:
    """A header value Starlette can send: text outside Latin-1 (a `response-content-disposition` with a
    Chinese file name) goes out as its UTF-8 bytes, as it came in, instead of failing to encode. COS asks
    callers to percent-encode such names (`filename*=UTF-8''...`), which passes through unchanged."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


@lru_cache(maxsize=4096)
def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@lru_cache(maxsize=4)
def http_date_at(epoch_seconds: int) -> str:
    """The Date header for a whole second (cached: every response in that second shares it)."""
    return formatdate(epoch_seconds, usegmt=True)


def xml_response(
    body: bytes, *, status: int = 200, server: str = SERVER_COS, headers: dict[str, str] | None = None
) -> Response:
    all_headers = {"Content-Type": "application/xml", "Server": server}
    all_headers.update(headers or {})
    return Response(body, status_code=status, headers=all_headers)


def empty_response(status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Server": SERVER_COS, "Content-Length": "0"}
    all_headers.update(headers or {})
    return Response(b"", status_code=status, headers=all_headers)


def object_headers(info: ObjectInfo) -> dict[str, str]:
    headers = {
        "Content-Type": info.content_type,
        "ETag": info.etag,
        "Last-Modified": http_date(info.last_modified),
        "x-cos-hash-crc64ecma": str(info.crc64),
        "Accept-Ranges": "bytes",
    }
    if info.storage_class != "STANDARD":
        headers["x-cos-storage-class"] = info.storage_class
    if info.version_id != NULL_VERSION:
        headers["x-cos-version-id"] = info.version_id
    if info.tags:
        headers["x-cos-tagging-count"] = str(len(info.tags))
    headers.update(info.headers)
    headers.update(info.meta)
    return headers
