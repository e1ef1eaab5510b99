"""Where each character of a PP-OCR line is: CTC alignment, glyph extents, words and restored spaces.

Why its own module: the recognizer (a CTC model) only says *which* characters a line crop holds; the
API's `Words` and `WordPolygon` also need *where*. A CTC output has one class distribution per
timestep, and each timestep covers a fixed-width column band of the resized crop (8 px of a 48 px
high input for PP-OCRv4), so the timesteps where a character's class wins locate it along the line.
Everything here is pure (numpy arrays in, dataclasses out) so it is tested without the model:

- `decode`: greedy CTC decoding that keeps, for every emitted character, its run of timesteps and
  its probability (the same text PP-OCR's own decoder produces).
- `place`: character centres in crop pixels, and extents: CJK glyphs are about one character pitch
  wide; Latin glyphs meet their neighbours halfway and end where the ink ends.
- `words`: the line split into words. The Chinese model often drops the space between English words
  ("WEEKLYMARKETNOTICE"); a space is restored where the crop has a blank column run between two
  Latin glyphs that is wide compared with the line's character pitch.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Han, kana, Hangul, CJK punctuation and full-width forms (as lines.py): one `Words` unit per character.
_CJK = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
BLANK = 0  # CTC blank class index
# A blank column run this many character pitches wide separates two words: always above the upper
# bound, in between only when the model read a space there too.
SPACE_GAP = (0.3, 0.45)
NUMBER_GAP = 0.9  # the upper bound between two characters of a number
_NUMERIC = frozenset("0123456789.,:-/")
WIDE_PITCH = 1.9  # centres further apart than this many pitches are always two words
CJK_WIDTH = 0.92  # a CJK glyph's width in character pitches
INK_BLANK = 0.02  # a column with fewer ink pixels than this fraction of the crop height is blank
BAND = (0.15, 0.85)  # rows of a line crop whose ink decides where glyphs and gaps are
READABLE_BLANK = 0.08  # a line whose text span has fewer blank columns than this is too busy to read gaps


def is_cjk(char: str) -> bool:
    return bool(_CJK.fullmatch(char))


@dataclass(frozen=True)
class Emission:
    """One decoded character: its text, probability (0-1) and timestep run [first, last]."""

    char: str
    confidence: float
    first: int
    last: int


@dataclass(frozen=True)
class Glyph:
    """A character placed in the crop: horizontal extent [left, right) in crop pixels."""

    char: str
    confidence: float
    left: float
    right: float

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class LineWord:
    """A space-free run of glyphs: a Latin word, a number, or a run of CJK characters."""

    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def confidence(self) -> float:
        return float(np.mean([g.confidence for g in self.glyphs]))


def decode(probabilities: np.ndarray, alphabet: Sequence[str]) -> list[Emission]:
    """Greedy CTC decoding of one line ((timesteps, classes) probabilities; class 0 is the blank)."""
    if probabilities.size == 0:
        return []
    best = probabilities.argmax(axis=1)
    peak = probabilities.max(axis=1)
    out: list[Emission] = []
    t = 0
    while t < len(best):
        cls = int(best[t])
        end = t
        while end + 1 < len(best) and best[end + 1] == cls:
            end += 1
        if cls != BLANK and cls < len(alphabet):
            out.append(Emission(alphabet[cls], float(peak[t : end + 1].max()), t, end))
        t = end + 1
    return out


def _pitch(centres: list[float], fallback: float) -> float:
    steps = [b - a for a, b in itertools.pairwise(centres) if b > a]
    return float(np.median(steps)) if steps else fallback


def place(emissions: list[Emission], stride: float, width: float, height: float, ink: np.ndarray) -> list[Glyph]:
    """Glyph extents in crop pixels. `stride`: crop pixels per timestep; `ink`: ink pixels per column."""
    chars = [e for e in emissions if e.char != " "]
    if not chars:
        return []
    centres = [(e.first + e.last + 1) / 2 * stride for e in chars]
    cjk_pitch = _pitch([c for c, e in zip(centres, chars, strict=True) if is_cjk(e.char)], 0.95 * height)
    latin_pitch = _pitch([c for c, e in zip(centres, chars, strict=True) if not is_cjk(e.char)], 0.5 * height)
    level = _blank_level(ink, height)
    glyphs = []
    for i, (centre, emission) in enumerate(zip(centres, chars, strict=True)):
        half = (CJK_WIDTH * cjk_pitch if is_cjk(emission.char) else latin_pitch) / 2
        left, right = centre - half, centre + half
        if i > 0:
            left = max(left, (centres[i - 1] + centre) / 2)
        if i + 1 < len(centres):
            right = min(right, (centre + centres[i + 1]) / 2)
        if not is_cjk(emission.char):
            left, right = _ink_bounds(ink, level, left, right, centre)
        glyphs.append(Glyph(emission.char, emission.confidence, max(0.0, left), min(width, right)))
    return glyphs


def _blank_level(ink: np.ndarray, height: float) -> float:
    """Columns with less ink than this are blank: a little above the noise of a busy background."""
    busy = 0.1 * float(np.percentile(ink, 75)) if ink.size else 0.0
    return max(1.0, INK_BLANK * height, busy)


def _ink_bounds(ink: np.ndarray, level: float, left: float, right: float, centre: float) -> tuple[float, float]:
    """Shrink [left, right) to the ink around `centre` (a glyph does not own the blank beside it)."""
    lo, hi = max(0, int(left)), min(len(ink), int(np.ceil(right)))
    if hi <= lo:
        return left, right
    inked = np.nonzero(ink[lo:hi] >= level)[0]
    if len(inked) == 0:
        return left, right
    new_left, new_right = float(lo + inked[0]), float(lo + inked[-1] + 1)
    return min(new_left, centre), max(new_right, centre)


def words(emissions: list[Emission], glyphs: list[Glyph], ink: np.ndarray, height: float) -> list[LineWord]:
    """The line's words. Between two Latin glyphs the crop decides when its blank columns are readable:
    a wide blank run is a space, a narrow one is not, whatever the model emitted (it both drops real
    spaces and inserts false ones after wide capitals). On a background too busy for that, the
    model's spaces stand. CJK characters are never separated by spaces."""
    if not glyphs:
        return []
    pitch = _pitch([g.centre for g in glyphs if not is_cjk(g.char)], 0.5 * height)
    blank = ink < _blank_level(ink, height)
    span = blank[max(0, int(glyphs[0].left)) : int(glyphs[-1].right)]
    readable = span.size > 0 and float(span.mean()) >= READABLE_BLANK
    spaced = _model_spaces(emissions)
    out: list[list[Glyph]] = [[glyphs[0]]]
    for i in range(1, len(glyphs)):
        prev, glyph = glyphs[i - 1], glyphs[i]
        if is_cjk(prev.char) and is_cjk(glyph.char):
            split = False
        elif is_cjk(prev.char) or is_cjk(glyph.char) or not readable:
            split = i in spaced or glyph.centre - prev.centre > WIDE_PITCH * pitch
        else:
            split = _gap(prev, glyph, blank, pitch, i in spaced)
        if split:
            out.append([glyph])
        else:
            out[-1].append(glyph)
    return [LineWord(tuple(run)) for run in out]


def _model_spaces(emissions: list[Emission]) -> set[int]:
    """Indices (among non-space characters) that the model itself preceded with a space."""
    found, index, pending = set(), 0, False
    for emission in emissions:
        if emission.char == " ":
            pending = index > 0
            continue
        if pending:
            found.add(index)
        pending = False
        index += 1
    return found


def _gap(a: Glyph, b: Glyph, blank: np.ndarray, pitch: float, model_space: bool) -> bool:
    """A space between two Latin glyphs: a blank run clearly wider than letter spacing, or one in the
    ambiguous middle band where the model also read a space."""
    if b.centre - a.centre > WIDE_PITCH * pitch:
        return True
    lo, hi = max(0, int(a.centre)), min(len(blank), int(b.centre))
    run = _longest_run(blank[lo:hi]) / pitch
    # Digits are narrower than their advance, so the blank between two of them is wide: "010-1234".
    wide = NUMBER_GAP if a.char in _NUMERIC and b.char in _NUMERIC else SPACE_GAP[1]
    return run >= wide or (model_space and run >= SPACE_GAP[0])


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def ink_profile(gray: np.ndarray) -> np.ndarray:
    """Ink pixels per column of a grayscale crop: Otsu's threshold, the minority side is ink. Only the
    middle band of rows counts: a detector's box also holds the descenders of the line above and the
    ascenders of the line below, which would fill the gaps between words."""
    if gray.size == 0:
        return np.zeros(gray.shape[1] if gray.ndim == 2 else 0)
    values = gray.astype(np.uint8).ravel()
    histogram = np.bincount(values, minlength=256).astype(np.float64)
    total = histogram.sum()
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    between = np.zeros(256)
    valid = (weights > 0) & (weights < total)
    w0, m0 = weights[valid], means[valid]
    between[valid] = (means[-1] * w0 / total - m0) ** 2 / (w0 * (total - w0))
    threshold = int(np.argmax(between))
    dark = gray <= threshold
    ink = dark if dark.mean() <= 0.5 else ~dark
    top = int(ink.shape[0] * BAND[0])
    bottom = max(int(ink.shape[0] * BAND[1]), top + 1)
    counts: np.ndarray = ink[top:bottom].sum(axis=0).astype(np.float64)
    return counts
