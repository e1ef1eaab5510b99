"""Engine output (boxes in the engine's image) -> the API's text lines (boxes in the client's image).

Split out of pipeline.py because it is pure: given the raw lines and two transforms it decides the
line text, the integer confidences, the polygons in the original image, the ItemPolygon in the
rotation-corrected image, and the `Words` units. Units follow the API page: one per word for
space-separated scripts, one per character for CJK (Tesseract often returns runs of Han characters
as one "word"; their per-character boxes come from the engine's symbols).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cos_ocr_emulator.ocr.engine.base import RawLine, RawQuad, RawSymbol, RawWord
from cos_ocr_emulator.ocr.orient import Affine, box_to_box, box_to_quad
from cos_ocr_emulator.ocr.result import Box, Point, Quad, TextLine, Word

# Han, kana, Hangul, CJK punctuation and full-width forms: scripts written without spaces.
_CJK = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class _Unit:
    text: str
    confidence: float
    box: Box
    polygon: RawQuad | None = None  # the engine's own quadrilateral, when it has one


def _quad(box: Box, polygon: RawQuad | None, transform: Affine) -> Quad:
    """A unit's polygon in the original image: the engine's quadrilateral if any, else its box."""
    if polygon is None:
        return box_to_quad(box, transform)
    points = [transform.apply(x, y) for x, y in polygon]
    return (
        Point(round(points[0][0]), round(points[0][1])),
        Point(round(points[1][0]), round(points[1][1])),
        Point(round(points[2][0]), round(points[2][1])),
        Point(round(points[3][0]), round(points[3][1])),
    )


def is_cjk(char: str) -> bool:
    return bool(_CJK.fullmatch(char))


def join_words(words: list[str]) -> str:
    """Words with single spaces, except between two CJK characters (no spaces in Chinese text)."""
    text = ""
    for word in words:
        if text and not (is_cjk(text[-1]) and is_cjk(word[0])):
            text += " "
        text += word
    return text


def confidence(value: float) -> int:
    return max(0, min(100, round(value)))


def _split_line(earlier: Box, later: Box, others: Iterable[Box]) -> bool:
    """`later` is the left part of the printed line `earlier` belongs to, which Tesseract returned first.

    Only that case is joined: the two overlap vertically by half the smaller height, `later` ends
    left of where `earlier` starts (less than two line heights before it), and the gap between them
    is not a column gutter: some other line of the page runs across it. Side-by-side columns come
    back left column first, so their lines never qualify; and even if a layout returned a right
    column first, nothing crosses a gutter.
    """
    overlap = min(earlier.y + earlier.height, later.y + later.height) - max(earlier.y, later.y)
    height = max(earlier.height, later.height)
    if overlap < 0.5 * min(earlier.height, later.height):
        return False
    left_end, right_start = later.x + later.width, earlier.x
    if left_end > right_start + 0.5 * height or right_start - left_end > 2 * height:
        return False
    gap_mid = (left_end + right_start) / 2
    return any(box.x < gap_mid < box.x + box.width for box in others)


def _union(a: Box, b: Box) -> Box:
    x, y = min(a.x, b.x), min(a.y, b.y)
    return Box(x, y, max(a.x + a.width, b.x + b.width) - x, max(a.y + a.height, b.y + b.height) - y)


def merge_fragments(raw: list[RawLine]) -> list[RawLine]:
    """Join the pieces of one printed line that Tesseract put in different blocks with the right piece
    first (it happens on photos with perspective), at the position of the first piece, words left
    to right. Every other line keeps Tesseract's block order (column by column)."""
    rows: list[RawLine] = []
    for index, line in enumerate(raw):
        if line.polygon is not None:  # a detector's quadrilateral is one line already: keep it whole
            rows.append(line)
            continue
        for i, row in enumerate(rows):
            # The other lines are a generator, walked only by the rare pair that passes the cheap
            # geometric tests: a list per pair made a 700-line page cost a minute (n^3).
            others = (other.box for j, other in enumerate(raw) if j != index and other.box != row.box)
            if row.polygon is None and _split_line(row.box, line.box, others):
                merged = sorted(row.words + line.words, key=lambda w: w.box.x)
                rows[i] = RawLine(_union(row.box, line.box), tuple(merged))
                break
        else:
            rows.append(line)
    return rows


def build_lines(
    raw: list[RawLine], *, to_original: Affine, to_corrected: Affine, words: bool, word_polygons: bool
) -> list[TextLine]:
    lines = []
    for line in merge_fragments(raw):
        texts = [word.text for word in line.words]
        units = _units(line.words) if words or word_polygons else []
        lines.append(
            TextLine(
                text=line.text if line.text is not None else join_words(texts),
                confidence=confidence(sum(w.confidence for w in line.words) / len(line.words)),
                polygon=_quad(line.box, line.polygon, to_original),
                item_polygon=box_to_box(line.box, to_corrected),
                words=[Word(u.text, confidence(u.confidence), _quad(u.box, u.polygon, to_original)) for u in units]
                if words
                else [],
                word_polygons=[_quad(u.box, u.polygon, to_original) for u in units] if word_polygons else [],
            )
        )
    return lines


def _units(raw_words: tuple[RawWord, ...]) -> list[_Unit]:
    units: list[_Unit] = []
    for word in raw_words:
        if not word.symbols or not any(is_cjk(ch) for ch in word.text):
            units.append(_Unit(word.text, word.confidence, word.box, word.polygon))
            continue
        run: list[RawSymbol] = []  # consecutive non-CJK symbols inside a mixed word stay together
        for symbol in word.symbols:
            if is_cjk(symbol.text[0]):
                if run:
                    units.append(_merge(run))
                    run = []
                units.append(_Unit(symbol.text, symbol.confidence, symbol.box, symbol.polygon))
            else:
                run.append(symbol)
        if run:
            units.append(_merge(run))
    return units


def _merge(symbols: list[RawSymbol]) -> _Unit:
    left = min(s.box.x for s in symbols)
    top = min(s.box.y for s in symbols)
    right = max(s.box.x + s.box.width for s in symbols)
    bottom = max(s.box.y + s.box.height for s in symbols)
    text = "".join(s.text for s in symbols)
    mean = sum(s.confidence for s in symbols) / len(symbols)
    first, last = symbols[0].polygon, symbols[-1].polygon
    polygon = (first[0], last[1], last[2], first[3]) if first is not None and last is not None else None
    return _Unit(text, mean, Box(left, top, right - left, bottom - top), polygon)


def cjk_language(raw: list[RawLine]) -> str | None:
    """zh, jap or kor from the characters of a reading with the CJK models; None if it is not CJK."""
    text = "".join(w.text for line in raw for w in line.words if w.confidence >= 30)
    kana = sum("\u3040" <= ch <= "\u30ff" and ch != "\u30fc" for ch in text)
    hangul = sum("\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" for ch in text)
    han = sum(is_cjk(ch) for ch in text) - kana - hangul
    if kana + hangul + han < 2:
        return None
    if hangul > max(kana, han):
        return "kor"
    if kana >= 2 and kana >= 0.1 * (kana + han):
        return "jap"
    return "zh"
