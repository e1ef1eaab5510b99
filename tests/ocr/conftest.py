"""Shared fixtures for the OCR tests: the fixture manifest, real services per backend, a canned one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `fixtures.manifest` lives at the repository root, not in the package
    sys.path.insert(0, str(ROOT))

from cos_ocr_emulator.config import Settings  # noqa: E402
from cos_ocr_emulator.ocr.pipeline import OcrService  # noqa: E402
from fixtures.manifest import Fixture, fixtures  # noqa: E402


@pytest.fixture(scope="session")
def manifest() -> dict[str, Fixture]:
    return fixtures()


@pytest.fixture(scope="session")
def service() -> OcrService:
    """The default backend (tesserocr), shared so its warm Tesseract instances are reused."""
    # A generous time limit: these tests are about results, and the machine may be shared.
    svc = OcrService(Settings(ocr_engine="tesserocr", ocr_workers=2, ocr_timeout=600))
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def cli_service() -> OcrService:
    return OcrService(Settings(ocr_engine="pytesseract", ocr_workers=2, ocr_timeout=600))
