"""OCR engines behind one interface (base.py), and the factory that picks one from Settings.

`tesseract`/`tesserocr` (default) and `pytesseract` are Tesseract; `ppocr` is PP-OCRv4 (the optional
`[ppocr]` extra), which hands languages it does not read to a Tesseract engine it owns.
"""

from __future__ import annotations

import importlib
import os

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr.engine.base import (
    EngineTimeout,
    OcrEngine,
    RawLine,
    RawQuad,
    RawSymbol,
    RawWord,
    RecognitionPlan,
)

__all__ = [
    "EngineTimeout", "OcrEngine", "RawLine", "RawQuad", "RawSymbol", "RawWord", "RecognitionPlan", "create_engine",
    "engine_missing",
]  # fmt: skip

PPOCR_INSTALL = "pip install 'cos-ocr-emulator[ppocr]'"


def engine_missing(name: str) -> str | None:
    """Why engine `name` cannot run here (one line saying how to fix it), or None when it can."""
    if name != "ppocr":
        return None
    try:
        importlib.import_module("rapidocr_onnxruntime")
    except ImportError as exc:  # not installed, or a library it links is missing (cv2's libGL)
        detail = "" if exc.name == "rapidocr_onnxruntime" else f" ({exc})"
        return f"ocr_engine=ppocr needs the PP-OCR extra, which cannot be loaded{detail}: {PPOCR_INSTALL}"
    return None


def create_engine(settings: Settings, workers: int) -> OcrEngine:
    """The engine named by `settings.ocr_engine`; imported lazily so each needs only its own library."""
    if settings.ocr_engine == "pytesseract":
        from cos_ocr_emulator.ocr.engine.pytesseract import PytesseractEngine

        return PytesseractEngine()
    from cos_ocr_emulator.ocr.engine.tesserocr import TesserocrEngine

    tesseract = TesserocrEngine(max_idle=workers, max_language_sets=settings.ocr_engine_cache)
    if settings.ocr_engine == "ppocr":
        missing = engine_missing("ppocr")
        if missing:
            raise RuntimeError(missing)
        from cos_ocr_emulator.ocr.engine.ppocr import PpocrEngine

        threads = settings.ppocr_threads or max(1, (os.cpu_count() or 1) // workers)
        return PpocrEngine(tesseract, workers=workers, threads=threads)
    return tesseract
