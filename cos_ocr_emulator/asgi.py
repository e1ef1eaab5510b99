"""Small pure helpers over raw ASGI: request headers, absolute-form targets, the request body.

The COS side uses no framework router or request object; these are the few things it needs from the
ASGI scope and `receive`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from starlette.types import Receive, Scope


class ClientDisconnected(Exception):
    """The client went away while we were still reading its request body."""


def header(scope: Scope, name: bytes) -> str:
    """The first value of a request header (name in lower case), or ''."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def headers(scope: Scope) -> dict[str, str]:
    """Lower-case name → value; a repeated header keeps its first value."""
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        out.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def absolute_form(scope: Scope) -> None:
    """Rewrite `http://host/path` targets to origin form, keeping the URL's host as Host: clients that
    use us as an HTTP proxy for *.myqcloud.com send `GET http://bucket.cos.../key`."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    if not raw_path.lower().startswith((b"http://", b"https://")):
        return
    parts = urlsplit(raw_path.decode("latin-1"))
    path = parts.path or "/"
    scope["raw_path"] = path.encode("latin-1")
    scope["path"] = path
    if parts.query and not scope.get("query_string"):
        scope["query_string"] = parts.query.encode("latin-1")
    kept = [(k, v) for k, v in scope["headers"] if k.lower() != b"host"]
    scope["headers"] = [*kept, (b"host", parts.netloc.encode("latin-1"))]


async def body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The request body as it arrives; raises ClientDisconnected if the client leaves first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk: bytes = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class ConnectionCut(Exception):
    """An injected fault closed or reset the TCP connection; there is nothing left to send."""
