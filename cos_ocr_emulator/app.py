"""The application factory: the whole request pipeline, built in one place.

Stack, outermost first (Starlette puts its ServerErrorMiddleware around all of it):
1. ServerErrorMiddleware — any unexpected exception becomes an XML `InternalError` 500 (our handler),
   then is re-raised so uvicorn logs the traceback with the request id.
2. EdgeMiddleware — absolute-form targets, request ids, admin routing, header spelling, access log,
   journal.
3. ExceptionMiddleware — `CosError`, Starlette `HTTPException` and FastAPI `RequestValidationError`
   rendered as COS XML (FastAPI's defaults would answer JSON `{"detail": …}`).
4. One catch-all route → `handlers.cos_entry` (addressing, auth, dispatch, handler).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import formatdate

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from cos_ocr_emulator.admin import build_admin_app
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.handlers import cos_entry
from cos_ocr_emulator.middleware import EdgeMiddleware, finalize_headers
from cos_ocr_emulator.state import EmulatorState
from cos_ocr_emulator.xml.cos import render_error

log = logging.getLogger("cos_ocr_emulator")

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]


def _info(request: Request) -> dict[str, object]:
    info: dict[str, object] = request.scope.setdefault("state", {})
    return info


def error_response(request: Request, error: CosError) -> Response:
    info = _info(request)
    info["error_code"] = error.code
    if "StringToSign" in error.extra:
        info["string_to_sign"] = error.extra["StringToSign"]
    request_id = str(info.get("request_id", "-"))
    trace_id = str(info.get("trace_id", "-"))
    if error.resource is None and info.get("bucket"):
        error.resource = f"{info['bucket']}/{info.get('key') or ''}"
    headers = {"Content-Type": "application/xml", **error.headers}
    if request.method == "HEAD":  # HEAD errors carry no body (wire notes §8.1)
        return Response(b"", status_code=error.status, headers={**headers, "Content-Length": "0"})
    return Response(render_error(error, request_id, trace_id), status_code=error.status, headers=headers)


async def _cos_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CosError)
    if exc.status >= 500 and exc.code != "NotImplemented":
        log.error("request %s failed: %s", _info(request).get("request_id"), exc)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NoSuchKey", 405: "MethodNotAllowed"}.get(exc.status_code, "InvalidRequest")
    return error_response(request, CosError(code, str(exc.detail), status=exc.status_code))


async def _validation_error(request: Request, exc: Exception) -> Response:
    return error_response(request, CosError("InvalidArgument", f"Invalid request: {exc}"))


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Runs outside EdgeMiddleware, so it finishes the headers itself.
    info = _info(request)
    request_id, trace_id = str(info.get("request_id", "-")), str(info.get("trace_id", "-"))
    log.error("request %s: unexpected %s: %s", request_id, type(exc).__name__, exc)
    response = error_response(request, CosError("InternalError"))
    response.raw_headers = finalize_headers(response.raw_headers, request_id, trace_id, formatdate(usegmt=True))
    return response


class _EmulatorApp(FastAPI):
    """FastAPI that remembers uvicorn's transport per request, for connection-level fault injection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            scope.setdefault("state", {})["transport"] = transport
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    state = EmulatorState(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await state.startup()
        try:
            yield
        finally:
            state.close()

    app = _EmulatorApp(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.emulator = state
    app.add_exception_handler(CosError, _cos_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_api_route("/{path:path}", cos_entry, methods=METHODS, include_in_schema=False)
    app.add_middleware(EdgeMiddleware, state=state, admin_app=build_admin_app(state))
    return app
