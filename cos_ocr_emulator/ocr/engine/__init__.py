"""Tesseract backends behind one interface (base.py), and the factory that picks one from Settings."""

from __future__ import annotations

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr.engine.base import (
    EngineTimeout,
    OcrEngine,
    RawLine,
    RawSymbol,
    RawWord,
    RecognitionPlan,
)

__all__ = ["EngineTimeout", "OcrEngine", "RawLine", "RawSymbol", "RawWord", "RecognitionPlan", "create_engine"]


def create_engine(settings: Settings, workers: int) -> OcrEngine:
    """The backend named by `settings.ocr_engine`; imported lazily so each needs only its own library."""
    if settings.ocr_engine == "pytesseract":
        from cos_ocr_emulator.ocr.engine.pytesseract import PytesseractEngine

        return PytesseractEngine()
    from cos_ocr_emulator.ocr.engine.tesserocr import TesserocrEngine

    return TesserocrEngine(max_idle=workers, max_language_sets=settings.ocr_engine_cache)
