"""The resolution a page is read at, and turning it: how far a big page is shrunk before anything
else, how far a type scales it for its text, and rotation that keeps the page's border colour."""

from __future__ import annotations

import math

from PIL import Image

from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr import orient, paper

TARGET_LINE_HEIGHT = 40  # px: where Tesseract's LSTM reads best (it was trained on ~36-48 px lines)
UPSCALE_BELOW = 20  # px: line height under which accurate upscales (bigger text only gains noise)
MAX_UPSCALE = 4.0
MAX_ENGINE_PIXELS = 16_000_000  # upscaling never produces a page bigger than this
DOWNSCALE_ABOVE = 50  # px: on a big page, taller lines (a 12 Mpx photo) are read at DOWNSCALED_LINE height
DOWNSCALED_LINE = TARGET_LINE_HEIGHT
DOWNSCALE_PAGES_ABOVE = 2000  # px (longest side): only pages this big are scaled down for their text
MIN_DOWNSCALE = 0.3
MEASURE_SIDE = 1600  # px: line heights are measured on a copy at most this big


def rotate(page: Image.Image, angle: float) -> tuple[orient.Affine, Image.Image]:
    if angle == 0:
        return orient.Affine(), page
    transform, width, height = orient.correction(page.width, page.height, angle)
    # The new corners take the page's own border colour: white wedges on a grey photo make
    # Tesseract's threshold lose the page.
    return transform, orient.apply(page, transform, (width, height), imaging.border_colour(page))


def scale_factor(page: Image.Image, max_side: int | None, upscale: bool) -> float:
    """The resolution a type reads at: text lines of a readable height, within the type's page size."""
    factor = 1.0
    if max_side is not None:
        factor = imaging.downscale_factor(page, max_side)
    height = imaging.line_height(page.convert("L")) if upscale else None
    if height is not None and height < UPSCALE_BELOW:
        ceiling = (MAX_ENGINE_PIXELS / max(1, page.width * page.height)) ** 0.5
        factor = max(1.0, min(TARGET_LINE_HEIGHT / height, MAX_UPSCALE, ceiling))
    return factor


def prescale(page: Image.Image, found: paper.Paper | None) -> tuple[float, float | None]:
    """How much to shrink a big page before anything else (big text costs time and gains nothing),
    and the page's skew when it was measured on the way (None: not measured).

    The line height is measured on a straightened copy of at most MEASURE_SIDE (on a tilted page
    the rows of a line smear into one tall band; a box-filtered `reduce`, a fraction of a resize's
    cost on 12 Mpx), with the table painted; the floor guards against a misreading. The skew
    measured on that copy is the page's own: estimate_skew works on at most 1000 px anyway."""
    if max(page.size) <= DOWNSCALE_PAGES_ABOVE:
        return 1.0, None
    step = math.ceil(max(page.size) / MEASURE_SIDE)
    small = page.convert("L").reduce(step)
    if found is not None:
        small = paper.paint_table(small, found)
    skew = orient.estimate_skew(small)
    height = imaging.line_height(rotate(small, skew)[1] if abs(skew) >= 0.5 else small)
    if height is None or height * step <= DOWNSCALE_ABOVE:
        return 1.0, skew
    return max(DOWNSCALED_LINE / (height * step), MIN_DOWNSCALE), skew
