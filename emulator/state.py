"""Everything one running emulator owns: settings, store, OCR service, ids, journal. One per app."""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from emulator.config import Settings
from emulator.ids import IdSource
from emulator.storage import open_store
from emulator.storage.base import Store

log = logging.getLogger("emulator")


class EmulatorState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ids = IdSource(deterministic=settings.deterministic)
        self.store: Store = open_store(settings, clock=self.ids.now)
        self.started = time.time()
        self.journal: deque[dict[str, Any]] = deque(maxlen=max(settings.journal_size, 1))
        self._ocr: Any = None

    def startup(self) -> None:
        self.ensure_default_bucket()

    @property
    def ocr(self) -> Any:
        """The OCR service, built on first use so that COS-only users never load Tesseract."""
        if self._ocr is None:
            from emulator.ocr.pipeline import OcrService

            self._ocr = OcrService(self.settings)
        return self._ocr

    def ensure_default_bucket(self) -> None:
        names = {b.name for b in self.store.list_buckets()}
        if self.settings.default_bucket not in names:
            self.store.create_bucket(self.settings.default_bucket, self.settings.region)

    def is_public(self, bucket: str | None) -> bool:
        if bucket is None:
            return False
        if bucket in self.settings.public_buckets:
            return True
        try:
            return self.store.get_bucket(bucket).public_read
        except Exception:
            return False

    def bucket_exists(self, name: str) -> bool:
        try:
            self.store.get_bucket(name)
        except Exception:
            return False
        return True

    def close(self) -> None:
        self.store.close()
