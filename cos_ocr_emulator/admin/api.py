"""The emulator's own API under `/_emulator/` (JSON), outside COS addressing and auth.

It is reachable on bare hosts only (IP, localhost): on a bucket domain `/_emulator/x` is an ordinary
object key, because keys are opaque. When `admin_token` is configured every route but `health` needs
`Authorization: Bearer <token>`.

The edge sends every `/_emulator` request on a bare host here (`addressing.is_admin`); this app is
FastAPI for its routing and validation, and the place to add more: `build_admin_app` includes one
`APIRouter` per concern, so a new surface (a web console under `/_emulator/ui/`) is one
`app.include_router(...)` or `app.mount(...)` line.

Routes: `GET /_emulator` (index); `GET health`; `POST reset[?bucket=][&keep=ocr-cache]`; `GET|DELETE
requests` (the journal, filterable by bucket, key, status, operation); `POST|GET|DELETE faults`, `DELETE faults/{id}`;
`PUT|GET|DELETE ocr-results` (canned OCR); `GET|DELETE ocr-cache` (the OCR result cache's size and
hit counts; clearing it alone, which a full reset also does). The web console (`ui/` and the JSON it
reads) is `cos_ocr_emulator.console`, mounted below.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cos_ocr_emulator import __version__
from cos_ocr_emulator.admin.faults import FaultRule
from cos_ocr_emulator.console import console_router
from cos_ocr_emulator.dispatch import OPERATIONS
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.state import EmulatorState

# One set of defaults for the REST API and the Python helper (`RunningEmulator.inject_fault`).
_RULE = FaultRule(action="error")


class FaultIn(BaseModel):
    action: str = Field(_RULE.action, description="error | delay | drop | truncate | reset")
    bucket: str | None = _RULE.bucket
    key: str | None = Field(_RULE.key, description="glob over the whole key")
    operation: str | None = Field(_RULE.operation, description="COS operation, e.g. GetObject, PutObject, OCR")
    status: int = _RULE.status
    code: str = Field(_RULE.code, description="empty: the usual code for the status")
    message: str = _RULE.message
    delay_seconds: float = _RULE.delay_seconds
    times: int | None = Field(_RULE.times, description="fire this many times; null = forever")


def _operation(name: str | None) -> str | None:
    """A COS operation name from the dispatch table, or a 400 listing them (a typo would otherwise make
    a rule or a filter that silently never matches)."""
    if name is None or name in OPERATIONS:
        return name
    raise CosError("InvalidArgument", f"Unknown operation {name!r}; valid operations: {', '.join(sorted(OPERATIONS))}.")


class CannedIn(BaseModel):
    bucket: str | None = None
    key: str | None = None
    sha256: str | None = None
    detect_url: str | None = None
    result: dict[str, Any]


def _cache_stats(state: EmulatorState) -> dict[str, Any]:
    if state.ocr_cache is None:
        return {"enabled": False}
    stats = state.ocr_cache.stats()
    return {"enabled": True, "storage": "disk" if state.ocr_cache.path else "memory", **dataclasses.asdict(stats)}


def build_admin_app(state: EmulatorState) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    # Every admin error is {"error": <code>, "message": <text>}.
    @app.exception_handler(CosError)
    async def _cos_error(_: Request, exc: CosError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "InvalidArgument")
        return JSONResponse({"error": code, "message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Answered here in JSON; Starlette re-raises it and the edge logs it with the request id.
        return JSONResponse({"error": "InternalError", "message": f"{type(exc).__name__}: {exc}"}, status_code=500)

    app.include_router(api_router(state))
    app.include_router(console_router(state, token_guard(state)))
    return app


def token_guard(state: EmulatorState) -> Callable[[Request], None]:
    """The admin token check, as a FastAPI dependency (a no-op when no token is configured)."""

    def guard(request: Request) -> None:
        token = state.settings.admin_token
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "admin API needs Authorization: Bearer <admin_token>")

    return guard


def api_router(state: EmulatorState) -> APIRouter:
    app = APIRouter()
    guarded = [Depends(token_guard(state))]

    @app.get("/_emulator")
    @app.get("/_emulator/")
    def index() -> dict[str, Any]:
        return {
            "name": "cos-ocr-emulator",
            "version": __version__,
            "health": "/_emulator/health",
            "reset": "/_emulator/reset",
            "requests": "/_emulator/requests",
            "faults": "/_emulator/faults",
            "ocr_results": "/_emulator/ocr-results",
            "ocr_cache": "/_emulator/ocr-cache",
            "console": "/_emulator/ui/",
        }

    @app.get("/_emulator/health")
    def health() -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "healthy",
            "version": __version__,
            "storage": state.settings.storage,
            "data_dir": str(state.settings.data_dir) if state.settings.storage == "disk" else None,
            "auth_mode": state.settings.auth_mode,
            "default_bucket": state.settings.default_bucket,
            "region": state.settings.region,
            "uptime_seconds": round(time.time() - state.started, 3),
        }
        try:
            body["ocr"] = state.ocr.health()
        except Exception as exc:  # health must answer even when Tesseract is broken
            body["ocr"] = {"error": str(exc)}
            body["status"] = "degraded"
        body["ocr"]["warmup"] = state.warmup.health()
        body["ocr"]["cache"] = _cache_stats(state)
        return body

    @app.get("/_emulator/ocr-cache", dependencies=guarded)
    def ocr_cache() -> dict[str, Any]:
        return _cache_stats(state)

    @app.delete("/_emulator/ocr-cache", dependencies=guarded)
    def clear_ocr_cache() -> dict[str, Any]:
        return {"cleared": state.ocr_cache.clear() if state.ocr_cache is not None else 0}

    @app.post("/_emulator/reset", dependencies=guarded)
    async def reset(bucket: str | None = None, keep: str | None = None) -> dict[str, Any]:
        if keep not in (None, "ocr-cache"):
            raise HTTPException(400, f"keep={keep!r}: the only thing a reset can keep is ocr-cache")
        await state.reset(bucket, keep_ocr_cache=keep == "ocr-cache")
        return {"reset": bucket or "all", "buckets": [b.name for b in state.store.list_buckets()]}

    @app.get("/_emulator/requests", dependencies=guarded)
    def requests(
        bucket: str | None = None, key: str | None = None, status: int | None = None,
        operation: str | None = None, limit: int = 1000,
    ) -> dict[str, Any]:  # fmt: skip
        _operation(operation)
        entries = [
            e for e in state.journal.entries()
            if (bucket is None or e["bucket"] == bucket) and (key is None or e["key"] == key)
            and (status is None or e["status"] == status) and (operation is None or e["operation"] == operation)
        ]  # fmt: skip
        return {"requests": entries[-limit:] if limit > 0 else []}

    @app.delete("/_emulator/requests", dependencies=guarded)
    def clear_requests() -> dict[str, Any]:
        return {"cleared": state.journal.clear()}

    @app.post("/_emulator/faults", dependencies=guarded, status_code=201)
    def add_fault(body: FaultIn) -> dict[str, Any]:
        _operation(body.operation)
        try:
            rule = state.faults.add(FaultRule(**body.model_dump()))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return rule.to_json()

    @app.get("/_emulator/faults", dependencies=guarded)
    def list_faults() -> dict[str, Any]:
        return {"faults": [rule.to_json() for rule in state.faults.list()]}

    @app.delete("/_emulator/faults", dependencies=guarded)
    def clear_faults() -> dict[str, Any]:
        return {"cleared": state.faults.clear()}

    @app.delete("/_emulator/faults/{rule_id}", dependencies=guarded)
    def clear_fault(rule_id: int) -> dict[str, Any]:
        if not state.faults.clear(rule_id):
            raise HTTPException(404, f"no fault rule {rule_id}")
        return {"cleared": 1}

    @app.put("/_emulator/ocr-results", dependencies=guarded, status_code=201)
    def put_canned(body: CannedIn) -> dict[str, Any]:
        try:
            return state.canned.put(body.model_dump())
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @app.get("/_emulator/ocr-results", dependencies=guarded)
    def list_canned() -> dict[str, Any]:
        return {"ocr_results": state.canned.list()}

    @app.delete("/_emulator/ocr-results", dependencies=guarded)
    def clear_canned() -> dict[str, Any]:
        return {"cleared": state.canned.clear()}

    return app
