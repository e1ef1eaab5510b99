"""tesserocr (in-process, Tesseract 5.5 from the wheel) and pytesseract (the CLI, Debian's 5.3) agree.

The two libtesseract builds differ in version, so outputs are compared with a small CER rather
than for equality; geometry is compared on the first line.
"""

from __future__ import annotations

import pytest

from cos_ocr_emulator.ocr.pipeline import OcrService
from cos_ocr_emulator.ocr.request import OcrRequest
from fixtures.manifest import Fixture, cer


def near(a: object, b: object, tol: int) -> bool:
    """Points, quads and boxes equal within `tol` pixels per coordinate."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(near(x, y, tol) for x, y in zip(a, b, strict=True))
    fields = [f for f in ("x", "y", "width", "height") if hasattr(a, f)]
    return type(a) is type(b) and all(abs(getattr(a, f) - getattr(b, f)) <= tol for f in fields)


CASES = [
    ("scan_en.png", {}),
    ("rot90_en.png", {}),
    ("zh.png", {"isword": "true"}),
    ("photo_en.jpg", {"type": "fast"}),
    ("report.pdf", {"ispdf": "true", "pdf-pagenumber": "2"}),
    ("exif6.jpg", {"type": "accurate"}),
    ("handwriting.jpg", {"type": "handwriting", "enable-word-polygon": "true"}),
]


@pytest.mark.parametrize(("name", "query"), CASES, ids=[c[0] for c in CASES])
def test_backends_agree(
    name: str, query: dict[str, str], service: OcrService, cli_service: OcrService, manifest: dict[str, Fixture]
) -> None:
    data = manifest[name].data()
    request = OcrRequest.parse(query)
    ours = service.recognize_sync(data, request)
    cli = cli_service.recognize_sync(data, request)
    limit = 0.12 if name == "handwriting.jpg" else 0.05
    assert cer(ours.text, cli.text) <= limit, (ours.text, cli.text)
    assert ours.angle == pytest.approx(cli.angle, abs=0.01)
    assert ours.language == cli.language and ours.pdf_page_size == cli.pdf_page_size
    assert near(ours.lines[0].polygon, cli.lines[0].polygon, 4)
    assert bool(ours.lines[0].words) == bool(cli.lines[0].words)
    assert bool(ours.lines[0].word_polygons) == bool(cli.lines[0].word_polygons)


def test_engines_report_their_names(service: OcrService, cli_service: OcrService) -> None:
    assert service.health()["engine"] == "tesserocr"
    assert cli_service.health()["engine"] == "pytesseract"
    assert cli_service.health()["tesseract"].startswith("5.")
