"""The web console at `/_emulator/ui/`: static page assets plus the JSON the page needs.

The page itself (HTML, CSS, JS modules, favicon) is served without a token so that it can ask for
one; everything it reads or changes goes through the admin guard. Object bytes (upload, download,
delete) and OCR do not go through the admin API at all: the page asks `POST /_emulator/presign` for a
presigned URL and then calls the real COS endpoint, so what it shows is exactly what an SDK gets.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request

from cos_ocr_emulator.console.api import api_router
from cos_ocr_emulator.console.assets import assets_router
from cos_ocr_emulator.state import EmulatorState


def console_router(state: EmulatorState, guard: Callable[[Request], None]) -> APIRouter:
    """Everything the console adds to the admin app; `guard` is the admin token check."""
    router = APIRouter()
    router.include_router(assets_router(state, guard))
    router.include_router(api_router(state), dependencies=[Depends(guard)])
    return router
