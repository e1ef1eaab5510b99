"""The application factory: the whole request pipeline, built in one place.

uvicorn (h11) ─▶ Edge (edge.py, plain ASGI): ids, RequestRecord, every error as COS XML,
                 │                          headers finished, journal + access log once
                 ├─ /_emulator/* on a bare host ─▶ admin app (FastAPI, admin/api.py)
                 └─ everything else ─▶ CosApp (cos_app.py): parse → dispatch.match →
                                       authenticate → authorize → faults → handler
"""

from __future__ import annotations

from cos_ocr_emulator.admin.api import build_admin_app
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.config_values import ConfigError
from cos_ocr_emulator.edge import Edge
from cos_ocr_emulator.ocr.engine import engine_missing
from cos_ocr_emulator.state import EmulatorState

# uvicorn's httptools protocol (picked automatically when `uvicorn[standard]` is installed)
# lower-cases response header names, and the Python SDK reads `Content-Length`/`ETag` case-sensitively;
# h11 sends names as given. Every server we start names it (docs/wire-compat.md §7).
HTTP_IMPLEMENTATION = "h11"


def create_app(settings: Settings) -> Edge:
    missing = engine_missing(settings.ocr_engine)  # e.g. ocr_engine=ppocr without the [ppocr] extra
    if missing:
        raise ConfigError("ocr_engine", settings.source_of("ocr_engine"), missing)
    state = EmulatorState(settings)
    return Edge(state, admin_app=build_admin_app(state))
