"""Everything one running emulator owns: settings, store, OCR service, ids, journal. One per app."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from cos_ocr_emulator.admin.canned import CannedResults
from cos_ocr_emulator.admin.faults import FaultBook, FaultRule, sdk_fault_rule
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ids import IdSource
from cos_ocr_emulator.record import Journal
from cos_ocr_emulator.storage import open_store
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.storage.facade import AsyncStore

if TYPE_CHECKING:
    from cos_ocr_emulator.ocr.pipeline import OcrService

log = logging.getLogger("cos_ocr_emulator")


class EmulatorState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ids = IdSource(deterministic=settings.deterministic)
        self.store: Store = open_store(settings, clock=self.ids.now, ids=self.ids)
        self.astore = AsyncStore(self.store)  # what handlers use
        self.started = time.time()
        self.journal = Journal(settings.journal_size)
        self.faults = FaultBook()
        self.canned = CannedResults()
        self._ocr: OcrService | None = None

    async def startup(self) -> None:
        """Create the default bucket and load the seed folder (also after an admin reset)."""
        self.ensure_default_bucket()
        if self.settings.seed_dir is not None:
            from cos_ocr_emulator.seed import seed

            await seed(
                self.store,
                self.settings.seed_dir,
                region=self.settings.region,
                appid=self.settings.appid,
                max_size=self.settings.max_object_size,
            )

    async def reset(self, bucket: str | None = None) -> None:
        """Back to the seeded state: everything, or one bucket."""
        if bucket is None:
            self.store.reset()
            self.faults.clear()
            self.canned.clear()
        else:
            self._empty_bucket(bucket)
        self.ids.reset()
        await self.startup()
        if bucket is None:
            # Last, so that no request that arrived before this reset returns can be journaled after it.
            self.journal.clear()

    def _empty_bucket(self, bucket: str) -> None:
        self.store.purge_bucket(bucket)

    @property
    def ocr(self) -> OcrService:
        """The OCR service, built on first use so that COS-only users never load Tesseract."""
        if self._ocr is None:
            from cos_ocr_emulator.ocr.pipeline import OcrService

            self._ocr = OcrService(self.settings)
        return self._ocr

    def fault_for(self, bucket: str | None, key: str, operation: str, *, retry: bool) -> FaultRule | None:
        """The fault to inject into this request: configured rules first, then the SDK fault keys."""
        rule = self.faults.take(bucket, key, operation)
        if rule is None and self.settings.sdk_fault_keys and key:
            rule = sdk_fault_rule(key, retry)
        return rule

    def ensure_default_bucket(self) -> None:
        names = {b.name for b in self.store.list_buckets()}
        if self.settings.default_bucket not in names:
            self.store.create_bucket(self.settings.default_bucket, self.settings.region)

    def bucket_exists(self, name: str) -> bool:
        return self.store.bucket_exists(name)

    def close(self) -> None:
        if self._ocr is not None:
            self._ocr.close()
        self.store.close()
