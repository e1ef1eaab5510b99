"""A fixed-result engine: the test double for everything around Tesseract (httpx's MockTransport).

It returns the same lines for every image, records the plans it was given, and reports a fixed
orientation, so pipeline, HTTP and SDK tests can assert exact coordinates without Tesseract.
"""

from __future__ import annotations

from PIL import Image

from cos_ocr_emulator.ocr.engine.base import OcrEngine, RawLine, RawSymbol, RawWord, RecognitionPlan
from cos_ocr_emulator.ocr.orient import Orientation
from cos_ocr_emulator.ocr.result import Box


class CannedEngine(OcrEngine):
    name = "canned"

    def __init__(self, lines: list[RawLine] | None = None, orientation: Orientation | None = None) -> None:
        self.lines = list(lines) if lines is not None else canned_lines("Hello canned world")
        self.orientation = orientation
        self.plans: list[RecognitionPlan] = []
        self.sizes: list[tuple[int, int]] = []

    def version(self) -> str:
        return "canned"

    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        self.plans.append(plan)
        self.sizes.append(image.size)
        return list(self.lines)

    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        return self.orientation


def canned_lines(text: str, *, left: int = 10, top: int = 10, char: int = 20, height: int = 30) -> list[RawLine]:
    """Monospaced boxes for `text` (one line per text line): every character `char` pixels wide."""
    lines = []
    for row, line in enumerate(text.splitlines()):
        y = top + row * (height + 10)
        x = left
        words = []
        for token in line.split():
            symbols = tuple(RawSymbol(ch, 95.0, Box(x + i * char, y, char, height)) for i, ch in enumerate(token))
            words.append(RawWord(token, 95.0, Box(x, y, char * len(token), height), symbols))
            x += char * (len(token) + 1)
        if words:
            width = words[-1].box.x + words[-1].box.width - left
            lines.append(RawLine(Box(left, y, width, height), tuple(words)))
    return lines
