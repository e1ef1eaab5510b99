"""Everything one running emulator owns: settings, store, OCR service, ids, journal. One per app."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from cos_ocr_emulator.admin.canned import CannedResults
from cos_ocr_emulator.admin.faults import FaultBook, FaultRule, sdk_fault_rule
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ids import IdSource
from cos_ocr_emulator.ocr.cache import FILE_NAME as OCR_CACHE_FILE
from cos_ocr_emulator.ocr.cache import OcrCache
from cos_ocr_emulator.ocr.warmup import Warmup
from cos_ocr_emulator.record import Journal
from cos_ocr_emulator.storage import open_store
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.storage.facade import AsyncStore
from cos_ocr_emulator.storage.models import BucketInfo

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
        self._ocr_lock = threading.Lock()  # the warm-up thread and the first request may both build it
        self.ocr_cache: OcrCache | None = None
        if settings.ocr_cache:
            path = settings.data_dir / OCR_CACHE_FILE if settings.storage == "disk" else None
            self.ocr_cache = OcrCache(path, settings.ocr_cache_max_bytes)
        self.warmup = Warmup(settings.ocr_warm_instances)

    async def startup(self) -> None:
        """Create the default bucket and load the seed folder (also after an admin reset); the first
        time, start warming the OCR engine in the background."""
        self.warmup.start(lambda: self.ocr, self._prepare_ocr)
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

    async def reset(self, bucket: str | None = None, *, keep_ocr_cache: bool = False) -> None:
        """Back to the seeded state: everything, or one bucket. A full reset also empties the OCR result
        cache unless `keep_ocr_cache` (the pytest plugin's reset before every test keeps it: its
        entries depend only on content and parameters, so they cannot leak one test's state into another)."""
        if bucket is None:
            self.store.reset()
            self.faults.clear()
            self.canned.clear()
            if self.ocr_cache is not None and not keep_ocr_cache:
                self.ocr_cache.clear()
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
        """The OCR service, built on first use (or by the warm-up) so that with warm-up off COS-only
        users never load Tesseract."""
        if self._ocr is None:
            with self._ocr_lock:
                if self._ocr is None:
                    from cos_ocr_emulator.ocr.pipeline import OcrService

                    self._ocr = OcrService(self.settings)
        return self._ocr

    def _prepare_ocr(self, service: OcrService) -> None:
        if self.ocr_cache is not None:
            self.ocr_cache.identity(service.engine, self.settings)  # hashes sources and traineddata once

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

    def bucket_info(self, name: str | None) -> BucketInfo | None:
        if name is None:
            return None
        try:
            return self.store.get_bucket(name)
        except CosError:
            return None

    def bucket_exists(self, name: str) -> bool:
        return self.store.bucket_exists(name)

    def close(self) -> None:
        self.warmup.stop()  # never tear the engine down under the warm-up thread
        if self._ocr is not None:
            self._ocr.close()
        if self.ocr_cache is not None:
            self.ocr_cache.close()
        self.store.close()
