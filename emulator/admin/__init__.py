"""The emulator's own API under `/_emulator/` (JSON), outside COS addressing and auth.

It is reachable on bare hosts only (IP, localhost): on a bucket domain `/_emulator/x` is an ordinary
object key, because keys are opaque.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI

from emulator import __version__
from emulator.state import EmulatorState


def build_admin_app(state: EmulatorState) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/_emulator/health")
    def health() -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "healthy",
            "version": __version__,
            "storage": state.settings.storage,
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
        return body

    return app
