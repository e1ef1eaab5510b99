"""detect-url: turn the parameter into a URL, then into bytes, with every limit from Settings.

Why peel several layers: the API page's own example is encoded three times
(`http%25253A%25252F%25252Fwww.example.com%25252Fabc.jpg`) while the SDKs encode once; after the
HTTP layer's decode we unquote until the value parses as an http(s) URL, and stop there so that an
encoded character inside the real URL's path survives.

Fetching: URLs that point at this emulator are answered by the `local` callback (read from storage,
never over the network). Anything else goes through httpx with an overall timeout, a body cap
enforced while streaming (a lying or missing Content-Length cannot get past it), a redirect cap with
the host policy re-checked on every hop, and allow/deny host globs. httpx and network errors are
translated in one place, `_download_errors()`. A bad URL or scheme is `InvalidArgument`; anything
that goes wrong while fetching is `ResourceDownloadFailed`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import unquote, urljoin, urlsplit

import anyio
import httpx

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError

MAX_DECODE_LAYERS = 5
_SCHEMES = ("http", "https")


def decode_detect_url(raw: str) -> str:
    """The http(s) URL inside `raw`, after peeling 0..5 layers of percent-encoding."""
    value = raw.strip()
    for _ in range(MAX_DECODE_LAYERS + 1):
        parts = urlsplit(value)
        if parts.scheme.lower() in _SCHEMES and parts.hostname:
            return value
        if parts.scheme and "%" not in parts.scheme and parts.netloc:
            raise CosError(
                "InvalidArgument", f"detect-url scheme {parts.scheme!r} is not supported; use http or https."
            )
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    raise CosError("InvalidArgument", f"detect-url {raw[:200]!r} is not an http or https URL.")


async def fetch_detect_url(
    url: str,
    settings: Settings,
    local: Callable[[str], Awaitable[bytes | None]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bytes:
    """The bytes at `url`: from `local` when it knows the URL, else downloaded within the limits."""
    data = await local(url)
    if data is not None:
        return data
    async with _download_errors(url):
        with anyio.fail_after(settings.detect_url_timeout):
            async with httpx.AsyncClient(
                timeout=settings.detect_url_timeout, follow_redirects=False, transport=transport
            ) as client:
                return await _follow(client, url, settings)


async def _follow(client: httpx.AsyncClient, url: str, settings: Settings) -> bytes:
    for _ in range(settings.detect_url_max_redirects + 1):
        _check_host(url, settings)
        async with client.stream("GET", url) as response:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code != 200:
                raise CosError("ResourceDownloadFailed", f"detect-url {url!r} answered HTTP {response.status_code}.")
            return await _read_capped(response, settings.detect_url_max_bytes)
    raise CosError(
        "ResourceDownloadFailed", f"detect-url redirected more than {settings.detect_url_max_redirects} times."
    )


def _check_host(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        raise CosError("ResourceDownloadFailed", f"detect-url redirected to {url!r}, which is not http(s).")
    host = parts.hostname.lower()
    allowed = any(fnmatch.fnmatchcase(host, glob.lower()) for glob in settings.detect_url_allow_hosts)
    denied = any(fnmatch.fnmatchcase(host, glob.lower()) for glob in settings.detect_url_deny_hosts)
    if denied or not allowed:
        raise CosError("ResourceDownloadFailed", f"detect-url host {host!r} is not allowed by the emulator's settings.")


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise CosError("ResourceDownloadFailed", f"detect-url body is {declared} bytes; the limit is {limit}.")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise CosError("ResourceDownloadFailed", f"detect-url body exceeds the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


@asynccontextmanager
async def _download_errors(url: str) -> AsyncIterator[None]:
    """The one boundary where httpx / network / timeout failures become ResourceDownloadFailed."""
    try:
        yield
    except CosError:
        raise
    except TimeoutError as exc:
        raise CosError("ResourceDownloadFailed", f"detect-url {url!r} timed out.") from exc
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        raise CosError("ResourceDownloadFailed", f"detect-url {url!r} could not be fetched: {exc}.") from exc
