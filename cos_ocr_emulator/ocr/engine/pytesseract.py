"""The `tesseract` CLI through pytesseract: one process per call, hOCR output with character boxes.

Why keep it: it needs nothing but Debian's `tesseract-ocr`, so it works where the tesserocr wheel
cannot be installed, and it is the reference the parity test compares tesserocr against. It is
about half as fast (process start, traineddata load, PNG round trip on every call); each call runs
in its own process, so it is trivially thread-safe and never holds the GIL while Tesseract works.

hOCR (`-c hocr_char_boxes=1`) is used instead of TSV because it carries lines, words and
per-character boxes and confidences in one run, the same structure tesserocr's iterator gives.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager

import pytesseract
from PIL import Image

from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.engine.base import EngineTimeout, OcrEngine, RawLine, RawSymbol, RawWord, RecognitionPlan
from cos_ocr_emulator.ocr.orient import MIN_OSD_CONFIDENCE, Orientation
from cos_ocr_emulator.ocr.result import Box

TIMEOUT = 300  # seconds for one tesseract process
_NS = "{http://www.w3.org/1999/xhtml}"
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_BBOX = re.compile(r"(?:bbox|x_bboxes) (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_CONF = re.compile(r"(?:x_wconf|x_conf) (-?[\d.]+)")


class PytesseractEngine(OcrEngine):
    name = "pytesseract"

    def __init__(self) -> None:
        self._tessdata = str(languages.tessdata_dir())

    def version(self) -> str:
        return str(pytesseract.get_tesseract_version())

    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        variables = {"hocr_char_boxes": "1", **plan.variables}
        config = f'--psm {plan.psm} --tessdata-dir "{self._tessdata}" '
        config += " ".join(f"-c {name}={value}" for name, value in variables.items())
        with _killed_at(plan.timeout):
            hocr = pytesseract.image_to_pdf_or_hocr(
                image, lang=plan.languages, config=config, extension="hocr", timeout=_seconds(plan.timeout)
            )
        return parse_hocr(hocr, symbols=plan.symbols)

    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        try:
            with _killed_at(timeout):
                found = pytesseract.image_to_osd(
                    image,
                    config=f'--psm 0 --tessdata-dir "{self._tessdata}"',
                    output_type=pytesseract.Output.DICT,
                    timeout=_seconds(timeout),
                )
        except pytesseract.TesseractError:  # "Too few characters": no orientation to report
            return None
        conf = float(found.get("orientation_conf", 0.0))
        degrees = int(found.get("orientation", 0)) if conf >= MIN_OSD_CONFIDENCE else 0
        return Orientation(degrees, conf, str(found.get("script") or "") or None, float(found.get("script_conf", 0.0)))


def _seconds(timeout: float | None) -> float:
    """pytesseract's `timeout`: 0 means none, so a spent budget must stay a positive number."""
    return TIMEOUT if timeout is None else max(0.001, min(timeout, TIMEOUT))


@contextmanager
def _killed_at(timeout: float | None) -> Iterator[None]:
    """pytesseract kills the process at its `timeout` and says "Tesseract process timeout"."""
    if timeout is not None and timeout <= 0:
        raise EngineTimeout("no time left for Tesseract")
    try:
        yield
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise EngineTimeout(str(exc)) from exc
        raise


def _box(title: str) -> Box:
    match = _BBOX.search(title)
    if not match:
        return Box(0, 0, 0, 0)
    left, top, right, bottom = (int(v) for v in match.groups())
    return Box(left, top, right - left, bottom - top)


def _conf(title: str) -> float:
    match = _CONF.search(title)
    return float(match.group(1)) if match else 0.0


def parse_hocr(hocr: bytes, *, symbols: bool) -> list[RawLine]:
    """Lines, words and (optionally) characters from Tesseract's hOCR, in document order."""
    root = ET.fromstring(hocr)
    lines: list[RawLine] = []
    for element in root.iter(f"{_NS}span"):
        if element.get("class") not in _LINE_CLASSES:
            continue
        words = []
        for span in element.iter(f"{_NS}span"):
            if span.get("class") != "ocrx_word":
                continue
            text = "".join(part.strip() for part in span.itertext())  # drop hOCR indentation
            if not text:
                continue
            chars: tuple[RawSymbol, ...] = ()
            if symbols:
                chars = tuple(
                    RawSymbol((c.text or "").strip(), _conf(c.get("title", "")), _box(c.get("title", "")))
                    for c in span.iter(f"{_NS}span")
                    if c.get("class") == "ocrx_cinfo" and (c.text or "").strip()
                )
            title = span.get("title", "")
            words.append(RawWord(text, _conf(title), _box(title), chars))
        if words:
            lines.append(RawLine(_box(element.get("title", "")), tuple(words)))
    return lines
