"""Storage: where buckets, objects and multipart uploads live, behind the `Store` protocol.

Handlers see only `Store` (`base.py`) and the value types in `models.py`; `open_store` picks the
implementation from Settings. There is exactly one implementation, `SqliteStore`: SQLite metadata
(`meta.py`) that also holds bodies up to 64 KiB (`inline.py`), plus content-addressed, fsynced blob
files for larger ones (`blobs.py`), either in `data_dir` (disk) or in a temporary directory with an
in-memory database (memory). Both behave identically.

Nothing outside this package may open the data directory, and nothing in it may turn a key into a path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ids import IdSource
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.storage.store import SqliteStore


def open_store(settings: Settings, *, clock: Callable[[], float] = time.time, ids: IdSource | None = None) -> Store:
    """Open (creating if needed) the store Settings describe; runs gc of crash leftovers first.

    `clock` returns Unix seconds and `ids` makes version and upload ids; deterministic mode passes a fixed
    clock and numbered ids.
    """
    return SqliteStore(settings.data_dir, memory=settings.storage == "memory", clock=clock, ids=ids)
