"""Which way a page's text lines run, from ink projections alone: a few milliseconds, no engine.

Why: general, efficient and fast read the page as it is first, and a page turned a quarter or half
turn costs them a full reading of garbage (twice the cost of a good one: Tesseract retries every
word with its second language) before OSD (~0.4 s on a page) names the turn. Text lines leave empty
rows between them and almost no empty columns (the gaps between words do not line up from one line
to the next), so the projections tell a sideways page at a glance; the page is cut into strips so
that a skewed page still shows its gaps. Which way up Latin print is, the ink above and below each
line's x-height band tells (ascenders and capitals outnumber descenders). The pipeline checks every
guess by reading, so a wrong guess costs time, never a wrong answer; the thresholds are set so that
no upright page of the fixture set is guessed turned.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cos_ocr_emulator.ocr.paper import otsu_threshold

SIDE = 1000  # px: the page is measured on a copy at most this big
STRIPS = 6  # the page is measured in this many strips across its lines
MIN_STRIP = 120  # px: but no strip narrower (on a snippet, a strip of two letters shows no lines)
EMPTY = 0.02  # of a strip's fullest row: a row with less ink is a gap
MIN_LINE = 8  # px: shorter runs of ink rows are specks, not text lines
# A page runs sideways only when its columns have clearly more gaps than its rows: upright pages of
# the fixture set reach 1.45 (a street sign's photo), handwriting 1.1; pages turned 90 degrees 2.2
# (a four-line invoice in capitals) to 4.
SIDEWAYS_RATIO = 2.0
SIDEWAYS_MIN_GAPS = 0.3
# Upside down: lines whose x-height band takes at most LATIN_BAND of their height (Latin print ~0.6,
# handwriting 0.55; Han text 0.85, bold capitals 1.0) with less ink above the band than
# UPSIDE_DOWN_RATIO times the ink below it (upright Latin pages: 1.4-6; turned: 0.15-0.7).
LATIN_BAND = 0.7
UPSIDE_DOWN_RATIO = 0.8


def ink(gray: Image.Image) -> np.ndarray:
    """Boolean ink mask of a copy of at most SIDE px: Otsu's split, the minority class is ink."""
    step = max(1, -(-max(gray.size) // SIDE))
    pixels = np.asarray(gray.reduce(step) if step > 1 else gray)
    mask: np.ndarray = pixels <= otsu_threshold(np.bincount(pixels.ravel(), minlength=256))
    return ~mask if mask.mean() > 0.5 else mask


def _strips(mask: np.ndarray) -> list[np.ndarray]:
    width = mask.shape[1]
    count = max(1, min(STRIPS, width // MIN_STRIP))
    return [mask[:, i * width // count : (i + 1) * width // count] for i in range(count)]


def gap_share(mask: np.ndarray) -> float:
    """Share of empty rows between the first and last inked row, over vertical strips (so a skewed
    page still shows the gaps between its lines), weighted by each strip's inked extent."""
    total = weight = 0.0
    for strip in _strips(mask):
        profile = strip.sum(axis=1)
        if profile.max() <= 0:
            continue
        inked = profile > EMPTY * profile.max()
        rows = np.nonzero(inked)[0]
        extent = inked[rows[0] : rows[-1] + 1]
        total += float((~extent).sum())
        weight += len(extent)
    return total / weight if weight else 0.0


def line_zones(mask: np.ndarray) -> tuple[float, float, float]:
    """Over the text lines of each strip: the ink above each line's x-height band (rows at least half
    as full as its fullest), the ink below it, and the median share of a line's height that band
    takes. Latin print has a band of about 0.6 and more ink above it than below (ascenders and
    capitals against descenders); Han characters fill their line (about 0.85) and their punctuation
    sits low, so only the band share tells whether the first two numbers mean anything."""
    above = below = 1.0
    bands: list[float] = []
    for strip in _strips(mask):
        profile = strip.sum(axis=1).astype(np.float64)
        if profile.max() <= 0:
            continue
        inked = np.concatenate(([False], profile > EMPTY * profile.max(), [False]))
        edges = np.flatnonzero(np.diff(inked.astype(np.int8)))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            line = profile[start:stop]
            if len(line) < MIN_LINE:
                continue
            band = np.flatnonzero(line >= 0.5 * line.max())
            above += float(line[: band[0]].sum())
            below += float(line[band[-1] + 1 :].sum())
            bands.append((band[-1] - band[0] + 1) / len(line))
    return above, below, float(np.median(bands)) if bands else 1.0


def ascender_ratio(mask: np.ndarray) -> float:
    """Ink above the text lines' x-height bands over ink below them (>1: upright Latin text)."""
    above, below, _ = line_zones(mask)
    return above / below


def likely_turn(gray: Image.Image) -> int | None:
    """The clockwise quarter turn (as Angel) the ink suggests, for the pipeline to try first: 90 or
    270 when the lines clearly run vertically, 180 when they are Latin-shaped lines with clearly more
    ink below their x-height band than above it; None when the page looks upright or nothing is clear."""
    mask = ink(gray)
    rows, columns = gap_share(mask), gap_share(mask.T)
    if columns >= SIDEWAYS_MIN_GAPS and columns >= SIDEWAYS_RATIO * rows:
        # np.rot90 turns anticlockwise: it undoes a page turned 90 degrees clockwise. Turned the
        # other way the same lines come out flipped, with exactly the reciprocal ratio.
        return 90 if ascender_ratio(np.rot90(mask)) >= 1.0 else 270
    above, below, band = line_zones(mask)
    if band <= LATIN_BAND and above <= UPSIDE_DOWN_RATIO * below:
        return 180
    return None
