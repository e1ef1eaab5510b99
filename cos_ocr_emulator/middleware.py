"""The edge of every request, as pure ASGI (not BaseHTTPMiddleware, which breaks contextvars/streaming).

In order: accept absolute-form targets (clients using us as an HTTP proxy for *.myqcloud.com send
`GET http://bucket.cos.../key`), give the request its COS-shaped id, send admin paths on bare hosts to
the admin app, and on the way out re-spell header names the way COS does, add `x-cos-request-id`,
`x-cos-trace-id`, `Date` and `Server`, then log one line and append to the journal.
"""

from __future__ import annotations

import json
import logging
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cos_ocr_emulator.addressing import ADMIN_PREFIX, bucket_from_host, split_host
from cos_ocr_emulator.responses import SERVER_COS, canonical_header
from cos_ocr_emulator.state import EmulatorState

log = logging.getLogger("cos_ocr_emulator.access")


def finalize_headers(
    raw: list[tuple[bytes, bytes]], request_id: str, trace_id: str, date: str
) -> list[tuple[bytes, bytes]]:
    out = [(canonical_header(name), value) for name, value in raw]
    present = {name.lower() for name, _ in out}
    extra = [
        (b"x-cos-request-id", request_id.encode()),
        (b"x-cos-trace-id", trace_id.encode()),
        (b"Date", date.encode()),
        (b"Server", SERVER_COS.encode()),
    ]
    out += [(name, value) for name, value in extra if name.lower() not in present]
    return out


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _absolute_form(scope: Scope) -> None:
    """Rewrite `http://host/path` targets to origin form, keeping the URL's host as Host."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    if not raw_path.lower().startswith((b"http://", b"https://")):
        return
    parts = urlsplit(raw_path.decode("latin-1"))
    path = parts.path or "/"
    scope["raw_path"] = path.encode("latin-1")
    scope["path"] = path
    if parts.query and not scope.get("query_string"):
        scope["query_string"] = parts.query.encode("latin-1")
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"host"]
    headers.append((b"host", parts.netloc.encode("latin-1")))
    scope["headers"] = headers


def _routable(scope: Scope) -> None:
    """Let a key holding a newline (legal in COS keys) reach the catch-all route: Starlette matches
    `/{path:path}` with `.*`, which stops at LF, so `PUT /a%0Ab` answered a bogus 404 NoSuchKey. Handlers
    address by `raw_path`, so the decoded `path` only has to route; LF is escaped there, nowhere else."""
    path: str = scope["path"]
    if "\n" not in path:
        return
    if not scope.get("raw_path"):
        scope["raw_path"] = quote(path, safe="/").encode("ascii")
    scope["path"] = path.replace("\n", "%0A")


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, state: EmulatorState, admin_app: ASGIApp) -> None:
        self.app = app
        self.state = state
        self.admin_app = admin_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        _absolute_form(scope)
        _routable(scope)
        ids = self.state.ids
        request_id = ids.request_id()
        trace_id = ids.trace_id(request_id)
        info: dict[str, Any] = scope.setdefault("state", {})
        info.update(request_id=request_id, trace_id=trace_id, started=time.perf_counter())
        status = {"code": 0}
        host = _header(scope, b"host")
        is_admin = scope["path"].startswith(ADMIN_PREFIX) and bucket_from_host(split_host(host)) is None
        recorded = is_admin  # the admin API is not journaled

        async def edge_send(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                date = formatdate(ids.now(), usegmt=True)
                headers = finalize_headers(list(message.get("headers", [])), request_id, trace_id, date)
                if info.get("suppress_request_id"):  # the SDK fault keys answer without one (§9.3)
                    headers = [(k, v) for k, v in headers if k not in (b"x-cos-request-id", b"x-cos-trace-id")]
                message["headers"] = headers
            elif message["type"] == "http.response.body" and not message.get("more_body") and not recorded:
                # Journal before the last byte leaves: a client that has its answer can already
                # read the entry from /_emulator/requests.
                recorded = True
                self._record(scope, info, status["code"], host)
            await send(message)

        try:
            await (self.admin_app if is_admin else self.app)(scope, receive, edge_send)
        finally:
            if not recorded:  # no complete response (dropped connection, failure mid-stream)
                self._record(scope, info, status["code"], host)

    def _record(self, scope: Scope, info: dict[str, Any], status: int, host: str) -> None:
        duration_ms = (time.perf_counter() - info["started"]) * 1000
        entry = {
            "time": self.state.ids.now(),
            "request_id": info["request_id"],
            "method": scope["method"],
            "host": host,
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "bucket": info.get("bucket"),
            "key": info.get("key"),
            "operation": info.get("operation"),
            "ci_process": info.get("ci_process"),
            "ocr_engine": info.get("ocr_engine"),
            "ocr_fallback": info.get("ocr_fallback"),
            "secret_id": info.get("secret_id"),
            "auth": info.get("auth", "-"),
            "string_to_sign": info.get("string_to_sign"),
            "status": status,
            "error_code": info.get("error_code"),
            "duration_ms": round(duration_ms, 2),
        }
        journal = getattr(self.state, "journal", None)
        if journal is not None:
            journal.append(entry)
        if self.state.settings.log_format == "json":
            log.info(json.dumps(entry, ensure_ascii=False))
        else:
            log.info(
                "%s %s %s bucket=%s key=%s op=%s ci=%s auth=%s -> %s %s %.1fms",
                entry["request_id"], entry["method"], entry["path"], entry["bucket"] or "-", entry["key"] or "-",
                entry["operation"] or "-", entry["ci_process"] or "-", entry["auth"], status,
                entry["error_code"] or "", duration_ms,
            )  # fmt: skip
