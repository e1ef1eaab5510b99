"""The signing vectors (tests/vectors/signing.json, docs/wire-compat.md §3.7), loaded once for the auth tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "signing.json").read_text(encoding="utf-8")
)
VECTORS: list[dict[str, Any]] = DATA["vectors"]
VEC: dict[str, dict[str, Any]] = {v["name"]: v for v in VECTORS}
SID: str = DATA["secret_id"]
SK: str = DATA["secret_key"]
HOST: str = DATA["host"]
