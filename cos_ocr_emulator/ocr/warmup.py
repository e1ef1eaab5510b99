"""Warm engines: the default language's Tesseract instances are loaded in the background at start.

Why: the first OCR call after start used to cost about 8x a warm one (740 ms against 90 ms): loading
traineddata, importing the imaging stack, finding tessdata, and first-use costs inside Tesseract.
A test suite's first OCR assertion then raced its own timeouts. Start-up must still not wait for any
of it (health answers at once and shows the progress), so the work runs on a daemon thread:

1. build the OCR service (imports, engine) and whatever the caller adds (`prepare`);
2. `engine.warm(languages, n)`: `n` idle instances for the default language (`ocr_warm_instances`,
   at most `ocr_workers`), so the first `n` concurrent calls all find one;
3. recognize a small generated page `n` times at once through the whole pipeline, which exercises
   every import and first-use path on every warmed instance.

An OCR request that arrives while this runs waits for it (`wait`) instead of loading a second copy
of the same traineddata on a busy CPU. A failure (say, chi_sim is not installed) is reported in
health and never stops the server: requests then simply start cold.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.request import DEFAULT_LANGUAGE, OcrRequest

if TYPE_CHECKING:  # the imaging stack is loaded by the warm-up thread, not by importing this module
    from cos_ocr_emulator.ocr.pipeline import OcrService

log = logging.getLogger("cos_ocr_emulator")

WAIT_LIMIT = 60.0  # seconds a request waits for a warm-up that hangs before it goes ahead cold
SAMPLE_TEXT = "Warm up 2024 OCR"


def sample_page() -> bytes:
    """A small PNG with one line of Latin text (no font file needed: Pillow's built-in font)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (420, 72), 255)
    ImageDraw.Draw(image).text((16, 16), SAMPLE_TEXT, fill=0, font=ImageFont.load_default(size=32))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Warmup:
    """State of the one background warm-up: off | pending | warming | ready | failed | stopped."""

    def __init__(self, instances: int) -> None:
        self.wanted = instances
        self.state = "off" if instances <= 0 else "pending"
        self.error: str | None = None
        self.instances = 0
        self.seconds: float | None = None
        self._done = threading.Event()
        self._stopping = threading.Event()
        if instances <= 0:
            self._done.set()

    def start(self, service: Callable[[], OcrService], prepare: Callable[[OcrService], None]) -> None:
        """Warm in a daemon thread; returns at once. `prepare` runs first (e.g. the cache identity)."""
        if self.state != "pending":
            return
        self.state = "warming"
        threading.Thread(target=self._run, args=(service, prepare), name="ocr-warmup", daemon=True).start()

    def _run(self, service_factory: Callable[[], OcrService], prepare: Callable[[OcrService], None]) -> None:
        started = time.perf_counter()
        try:
            service = service_factory()
            prepare(service)
            count = min(self.wanted, service.workers)
            langs = languages.tesseract_languages(DEFAULT_LANGUAGE)
            languages.require_installed(langs, DEFAULT_LANGUAGE)
            for wanted in range(1, count + 1):  # one at a time, so that a shutdown need not wait for all
                if self._stopping.is_set():
                    return
                self.instances = service.engine.warm(langs, wanted)
            if self._stopping.is_set():
                return
            page = sample_page()
            with ThreadPoolExecutor(count, thread_name_prefix="ocr-warmup") as pool:
                list(pool.map(lambda _: service.recognize_sync(page, OcrRequest()), range(count)))
            self.state = "ready"
        except Exception as exc:  # an optimisation must never take the server down; health reports it
            self.state, self.error = "failed", str(exc)
            log.warning("OCR warm-up failed (the first OCR calls will start cold): %s", exc)
        finally:
            if self.state == "warming":  # stopped before it was done
                self.state = "stopped"
            self.seconds = round(time.perf_counter() - started, 3)
            self._done.set()

    async def wait(self) -> None:
        """Let a request that arrives mid-warm-up use the warm instances instead of racing them."""
        if not self._done.is_set():
            await anyio.to_thread.run_sync(self._done.wait, WAIT_LIMIT)

    def stop(self, timeout: float = WAIT_LIMIT) -> None:
        """Cut the warm-up short at its next step and wait for it (the engine is about to close)."""
        self._stopping.set()
        if self.state != "pending":
            self._done.wait(timeout)

    def health(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "language": DEFAULT_LANGUAGE,
            "instances": self.instances,
            "seconds": self.seconds,
            "error": self.error,
        }
