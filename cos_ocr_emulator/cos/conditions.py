"""Pure parsers for the request headers that shape a GET: Range, If-*, Content-MD5, copy sources."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from cos_ocr_emulator.addressing import bucket_from_host, split_host
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.models import ObjectInfo

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """'bytes=a-b' → inclusive (start, end) clipped to the object, or None for the whole object.

    A malformed header is a 400 InvalidArgument and an unsatisfiable one a 416 InvalidRange. (S3 ignores
    malformed ranges; we refuse them so a client bug is visible — docs/deviations.md.)
    """
    if header is None:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or (not match.group(1) and not match.group(2)):
        raise CosError("InvalidArgument", f"The Range header {header!r} is malformed; expected bytes=start-end.")
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            raise CosError("InvalidRange", f"The range {header!r} is not satisfiable for {size} bytes.")
        return max(size - length, 0), size - 1
    start = int(first)
    # An open range ('bytes=999-') starting past the end is unsatisfiable (416), not malformed.
    if last and int(last) < start:
        raise CosError("InvalidArgument", f"The Range header {header!r} ends before it starts.")
    if start >= size:
        raise CosError("InvalidRange", f"The range {header!r} is not satisfiable for {size} bytes.")
    end = int(last) if last else size - 1
    return start, min(end, size - 1)


def _http_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unparseable dates are ignored, as HTTP says


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {tag.strip() for tag in header.split(",")}
    return "*" in wanted or etag in wanted or etag.strip('"') in {t.strip('"') for t in wanted}


def check_preconditions(headers: Mapping[str, str], info: ObjectInfo, *, prefix: str = "") -> int | None:
    """Evaluate If-Match / If-None-Match / If-(Un)Modified-Since. Returns 304 or None; raises 412.

    `prefix` is 'x-cos-copy-source-' for copy conditions, where a failed None-Match is also 412.
    """
    if (value := headers.get(prefix + "if-match")) is not None and not _etag_matches(value, info.etag):
        raise CosError("PreconditionFailed", f"{prefix}If-Match did not match the ETag {info.etag}.")
    if (value := headers.get(prefix + "if-unmodified-since")) is not None:
        since = _http_date(value)
        if since is not None and info.last_modified.replace(microsecond=0) > since:
            raise CosError("PreconditionFailed", f"The object was modified after {value}.")
    if (value := headers.get(prefix + "if-none-match")) is not None and _etag_matches(value, info.etag):
        if prefix:
            raise CosError("PreconditionFailed", f"{prefix}If-None-Match matched the ETag {info.etag}.")
        return 304
    if (value := headers.get(prefix + "if-modified-since")) is not None:
        since = _http_date(value)
        if since is not None and info.last_modified.replace(microsecond=0) <= since:
            if prefix:
                raise CosError("PreconditionFailed", f"The object was not modified since {value}.")
            return 304
    return None


def parse_content_md5(header: str | None) -> str | None:
    """Base64 Content-MD5 → hex digest; a value that is not 16 base64 bytes is InvalidDigest."""
    if header is None:
        return None
    try:
        raw = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CosError("InvalidDigest", f"Content-MD5 {header!r} is not valid base64.") from exc
    if len(raw) != 16:
        raise CosError("InvalidDigest", f"Content-MD5 {header!r} does not decode to 16 bytes.")
    return raw.hex()


def copy_source_version(header: str) -> str | None:
    """The `?versionId=` of an x-cos-copy-source, if any."""
    _, _, query = header.partition("?")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() == "versionid" and value:
            return unquote(value)
    return None


def parse_copy_source(header: str) -> tuple[str, str]:
    """x-cos-copy-source → (bucket, key).

    Accepts the documented `<bucket>-<appid>.cos.<region>.myqcloud.com/<key>` (key URL-encoded, an
    optional `?versionId=` dropped) and the S3-like `/<bucket>-<appid>/<key>` and `<bucket>-<appid>/<key>`.
    """
    value = header.strip()
    for scheme in ("http://", "https://"):
        if value.lower().startswith(scheme):
            value = value[len(scheme) :]
    value = value.split("?", 1)[0]
    head, _, rest = value.lstrip("/").partition("/")
    named = bucket_from_host(split_host(head))
    bucket = named[0] if named else head
    key = unquote(rest)
    if not bucket or not key:
        raise CosError(
            "InvalidArgument", f"x-cos-copy-source {header!r} must look like <bucket>.cos.<region>.myqcloud.com/<key>."
        )
    return bucket, key
