"""Which way a page's text lines run, from ink projections alone: a few milliseconds, no engine.

Why: efficient and fast read the page as it is first, and a page turned a quarter turn costs them a
full reading of garbage before OSD (itself ~0.4 s on a page) names the turn. Text lines leave empty
rows between them and almost no empty columns (the gaps between words do not line up from one line
to the next), so the projections tell a sideways page at a glance. The page is cut into strips so
that a skewed page still shows its gaps. Which of the two sideways turns it is, the ink above and below
each line's x-height band tells (Latin text has more ascenders than descenders); the pipeline checks
the guess by reading, so a wrong guess costs time, never a wrong answer.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cos_ocr_emulator.ocr.paper import otsu_threshold

SIDE = 1000  # px: the page is measured on a copy at most this big
STRIPS = 6  # the page is measured in this many strips across its lines
EMPTY = 0.02  # of a strip's fullest row: a row with less ink is a gap
MIN_LINE = 8  # px: shorter runs of ink rows are specks, not text lines
# A page runs sideways only when its columns have clearly more gaps than its rows: a single line of
# text (its letter gaps) or a handwritten page reach 1.3-2x, a page turned 90 degrees 3x and more.
SIDEWAYS_RATIO = 2.5
SIDEWAYS_MIN_GAPS = 0.3


def ink(gray: Image.Image) -> np.ndarray:
    """Boolean ink mask of a copy of at most SIDE px: Otsu's split, the minority class is ink."""
    step = max(1, -(-max(gray.size) // SIDE))
    pixels = np.asarray(gray.reduce(step) if step > 1 else gray)
    mask: np.ndarray = pixels <= otsu_threshold(np.bincount(pixels.ravel(), minlength=256))
    return ~mask if mask.mean() > 0.5 else mask


def gap_share(mask: np.ndarray) -> float:
    """Share of empty rows between the first and last inked row, over vertical strips (so a skewed
    page still shows the gaps between its lines), weighted by each strip's inked extent."""
    total = weight = 0.0
    width = mask.shape[1]
    for i in range(STRIPS):
        profile = mask[:, i * width // STRIPS : (i + 1) * width // STRIPS].sum(axis=1)
        if profile.max() <= 0:
            continue
        inked = profile > EMPTY * profile.max()
        rows = np.nonzero(inked)[0]
        extent = inked[rows[0] : rows[-1] + 1]
        total += float((~extent).sum())
        weight += len(extent)
    return total / weight if weight else 0.0


def ascender_ratio(mask: np.ndarray) -> float:
    """Ink above each text line's x-height band over ink below it (>1: upright Latin text)."""
    above = below = 1.0
    width = mask.shape[1]
    for i in range(STRIPS):
        profile = mask[:, i * width // STRIPS : (i + 1) * width // STRIPS].sum(axis=1).astype(np.float64)
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
    return above / below


def sideways_turn(gray: Image.Image) -> int | None:
    """90 or 270 (clockwise, as Angel) when the page's lines clearly run vertically, else None."""
    mask = ink(gray)
    rows, columns = gap_share(mask), gap_share(mask.T)
    if columns < SIDEWAYS_MIN_GAPS or columns < SIDEWAYS_RATIO * rows:
        return None
    # np.rot90 turns anticlockwise: it undoes a page turned 90 degrees clockwise.
    return 90 if ascender_ratio(np.rot90(mask)) >= ascender_ratio(np.rot90(mask, 3)) else 270
