"""Which quarter turn a page is read at, decided from readings: a page-level step any engine can use.

Why readings and not only OSD: on short text (a five-line receipt) Tesseract's OSD is unsure, and
the reading of an upside-down page can come back with high confidence ('XAMANVE YANYOOD'). What
gives such a reading away is its words: digits inside words, capitals in the middle, lines that
run vertically. So a reading is scored by its confidently read characters *in plausible words*,
and when neither OSD nor the upright reading is sure, the other quarter turns are read and the best
score wins. Everything here is pure (raw lines in, numbers out); the pipeline does the reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from cos_ocr_emulator.ocr.engine.base import RawLine

# A reading "looks upright" when it is confident, mostly plausible words, and its lines run
# horizontally. Tesseract reads a page turned 90° with full confidence (as vertical lines) and an
# upside-down page often with high confidence but implausible words, so all three checks are needed.
UPRIGHT_MIN_CONFIDENCE = 75.0
UPRIGHT_MIN_CHARS = 8
PLAUSIBLE_SHARE = 0.8  # of the characters read, in words shaped like words
# Below this mean confidence a reading is garbled whatever its words look like: PSM 6 on a page
# turned 90° reads short fragments ('CE', 'oe', 'eg') at ~30.
GARBLED_BELOW = 40.0
# Of the characters read, at least this share must be in plausible words read at CONFIDENT or more
# (upright pages of the fixture set: 0.57-1.0, except a poster Tesseract barely reads, 0.33; the
# garbage of a sideways invoice read in one block: 0.3).
CONFIDENT = 35.0
CONFIDENT_SHARE = 0.5
SWITCH_MARGIN = 1.25  # another turn must score this much better than the upright reading

_EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}<>«»‘’“”|/\\-_*#~"
_NUMBER = re.compile(r"[+\-]?[$€£¥]?\d[\d.,:/\-%]*")
_JOINERS = re.compile(r"(?<=\w)['’\-.](?=\w)")


def plausible(word: str) -> bool:
    """Shaped like a word of some language: a number, or letters in one case pattern.

    'Total', 'TOTAL', 'total', '12.30', '10:21', '东方超市', "o'clock" are; 'g9Zz0Z', 'noA', '1Ie3oL' are not.
    """
    core = word.strip(_EDGE_PUNCTUATION)
    if not core:
        return False
    if _NUMBER.fullmatch(core):
        return True
    letters = _JOINERS.sub("", core)
    if not letters.isalpha():
        return False
    cased = [ch for ch in letters if ch.lower() != ch.upper()]
    if not cased:  # Han, kana, Hangul, Thai, Arabic...: no case to get wrong
        return True
    return letters.islower() or letters.isupper() or letters.istitle()


def _words(raw: Iterable[RawLine]) -> Iterable[tuple[str, float]]:
    for line in raw:
        for word in line.words:
            yield word.text, word.confidence


def score(raw: list[RawLine]) -> float:
    """Confidently read characters in plausible words on horizontal lines (confidence-weighted count).

    Vertical lines do not count: Tesseract reads a page turned 90° as vertical text, word for word."""
    flat = [line for line in raw if line.box.width >= line.box.height or len(line.words) < 2]
    return sum(conf * len(text) for text, conf in _words(flat) if plausible(text)) / 100


def plausible_share(raw: list[RawLine]) -> float:
    total = sum(len(text) for text, _ in _words(raw))
    return sum(len(text) for text, _ in _words(raw) if plausible(text)) / total if total else 0.0


def mean_confidence(raw: list[RawLine]) -> float:
    confidences = [conf for _, conf in _words(raw)]
    return sum(confidences) / len(confidences) if confidences else 0.0


def horizontal(raw: list[RawLine]) -> bool:
    """Lines run left to right: wider than tall, and (for engines that report their own line direction,
    PP-OCR flips single upside-down lines) not mostly running right to left."""
    wide = sum(line.box.width for line in raw if line.box.width >= line.box.height)
    tall = sum(line.box.height for line in raw if line.box.height > line.box.width)
    backwards = sum(line.box.width for line in raw if line.polygon and line.polygon[1][0] < line.polygon[0][0])
    return wide > tall and 2 * backwards < wide


def looks_upright(raw: list[RawLine]) -> bool:
    """Confident, plausible and horizontal: no need to ask OSD or read other turns."""
    chars = sum(len(text) for text, _ in _words(raw))
    return (
        chars >= UPRIGHT_MIN_CHARS
        and mean_confidence(raw) >= UPRIGHT_MIN_CONFIDENCE
        and plausible_share(raw) >= PLAUSIBLE_SHARE
        and horizontal(raw)
    )


def confident_share(raw: list[RawLine]) -> float:
    """Share of the characters read in plausible words read with at least CONFIDENT confidence."""
    total = sum(len(text) for text, _ in _words(raw))
    sure = sum(len(text) for text, conf in _words(raw) if conf >= CONFIDENT and plausible(text))
    return sure / total if total else 0.0


def doubtful(raw: list[RawLine]) -> bool:
    """A reading worth checking against the other quarter turns: vertical lines, implausible words,
    or words that are plausible in shape only.

    A sideways page read in one block (PSM 6) comes back as lines of short lowercase fragments and
    caseless Han characters ('oqo', 'dqdomvs', '三'): shaped like words, but mostly read at
    confidence 10-40. A plausible reading of middling confidence (a blurry photo) is not doubtful:
    turning it would only cost time.
    """
    if not raw:
        return False  # nothing read at all: a blank page, not a turned one
    return (
        not horizontal(raw)
        or plausible_share(raw) < PLAUSIBLE_SHARE
        or mean_confidence(raw) < GARBLED_BELOW
        or confident_share(raw) < CONFIDENT_SHARE
    )


def best_turn(current: int, reading: list[RawLine], read: Callable[[int], list[RawLine]]) -> int:
    """The quarter turn (0/90/180/270) whose reading scores best; `current` unless another is clearly better.

    `read(turn)` reads the page turned `turn` degrees (the pipeline may use a cheap pass for it).
    """
    best, best_score = current, score(reading) * SWITCH_MARGIN
    for turn in (90, 180, 270, 0):
        if turn == current:
            continue
        candidate = score(read(turn))
        if candidate > best_score:
            best, best_score = turn, candidate
    return best
