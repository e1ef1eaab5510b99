"""The OCR result model: what the recognition pipeline produces and `cos_ocr_emulator.xml.ocr` renders.

Why its own module: the XML renderer, the engines and the tests all need the same shape, and the
SDKs are strict about types (Go's decoder fails the whole call on `<Confidence>99.5</Confidence>`), so
every coordinate and confidence is an `int` here and only `angle` is a float. Nothing in this module
knows XML element names.

Coordinate frames (see orient.py): `TextLine.polygon`, `Word.polygon` and `TextLine.word_polygons`
are in the *original* image (for a JPEG, the EXIF-corrected image as displayed; for a PDF, the page
rasterized at `ocr_pdf_dpi`); `TextLine.item_polygon` is in the rotation-corrected image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True)
class Point:
    x: int
    y: int


# Four corners, clockwise from the text's own top-left (so for text rotated 90° clockwise the first
# point is the top-right corner of its bounding box on screen).
Quad: TypeAlias = tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box: top-left corner plus size, as the API's ItemPolygon spells it."""

    x: int
    y: int
    width: int
    height: int

    def quad(self) -> Quad:
        right, bottom = self.x + self.width, self.y + self.height
        return (Point(self.x, self.y), Point(right, self.y), Point(right, bottom), Point(self.x, bottom))


@dataclass(frozen=True)
class Word:
    """One word of a space-separated script, or one character of CJK text (the API's `Words`)."""

    text: str
    confidence: int
    polygon: Quad


@dataclass(frozen=True)
class TextLine:
    """One recognized line: the API's `TextDetections`."""

    text: str
    confidence: int
    polygon: Quad
    item_polygon: Box
    # Filled only when the request asks for them (isword / enable-word-polygon).
    words: list[Word] = field(default_factory=list)
    word_polygons: list[Quad] = field(default_factory=list)


@dataclass(frozen=True)
class OcrResult:
    lines: list[TextLine]
    # The CI language-type code that was used (for `auto`, the one detected).
    language: str
    # Degrees, clockwise positive, in [0, 360): the page example's 359.99 is text tilted 0.01° anticlockwise.
    angle: float
    # Total pages when the input was a PDF, else 0.
    pdf_page_size: int = 0
    # The engine that read the page (`OcrEngine.name`): with ocr_engine=ppocr, "tesserocr" for
    # language-type values PP-OCR does not read (the journal shows it as a fallback).
    engine: str = ""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
