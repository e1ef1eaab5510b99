"""The console's static files, served from the package (no CDN, no build step), and the token check.

`GET /_emulator/ui/session` tells the page whether a token is needed and, with `Authorization`,
whether the one it holds is right; it always answers 200 so that a wrong token is a message in the
page rather than a failed request in the browser's console.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.state import EmulatorState

UI_PREFIX = "/_emulator/ui"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page and its modules are loaded again on every visit: an upgraded emulator must not run old JS.
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def _asset(path: str) -> tuple[bytes, str]:
    """The bytes and content type of `static/<path>`; NoSuchKey-like 404 for anything else."""
    parts = [part for part in path.split("/") if part]
    suffix = "." + parts[-1].rsplit(".", 1)[-1] if parts and "." in parts[-1] else ""
    if not parts or any(part in {".", ".."} or part.startswith(".") for part in parts) or suffix not in _TYPES:
        raise CosError("ResourceNotFound", f"No console file {path!r}.")
    node = resources.files("cos_ocr_emulator.console").joinpath("static", *parts)
    if not node.is_file():
        raise CosError("ResourceNotFound", f"No console file {path!r}.")
    return node.read_bytes(), _TYPES[suffix]


def assets_router(state: EmulatorState, guard: Callable[[Request], None]) -> APIRouter:
    router = APIRouter()

    @router.get(UI_PREFIX, include_in_schema=False)
    def ui_root() -> Response:
        return RedirectResponse(UI_PREFIX + "/", status_code=308)

    @router.get(UI_PREFIX + "/session")
    def session(request: Request) -> dict[str, Any]:
        try:
            guard(request)
        except HTTPException:
            return {"token_required": True, "authorized": False}
        return {"token_required": state.settings.admin_token is not None, "authorized": True}

    @router.get(UI_PREFIX + "/{path:path}", include_in_schema=False)
    def asset(path: str) -> Response:
        body, content_type = _asset(path or "index.html")
        return Response(body, media_type=content_type, headers=_HEADERS)

    return router
