"""A photographed page on a table: find the paper on a thumbnail, paint the table in the paper's colour.

Finding is done once, on a thumbnail of at most _MASK_SIDE px; painting is done at whatever scale the
page is read at (after a big photo has been scaled down), from the scale-free mask and fill found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Paper:
    """Where the page is on a photo of a page on a darker table, found on a thumbnail. Both images are
    scale-free (stretched to whatever size the page is read at), so the table can be painted after the
    page has been scaled down: a 12-megapixel photo is never painted at full resolution."""

    mask: Image.Image  # "L", 255 on the paper, at thumbnail resolution
    fill: Image.Image  # the colour of the nearby paper for every point of the table, on a coarse grid


def isolate_page(image: Image.Image) -> Image.Image:
    """A photo of a page on a darker table: the table painted in the paper's colour (find_paper +
    paint_table at the image's own size)."""
    paper = find_paper(image)
    return image if paper is None else paint_table(image, paper)


def find_paper(image: Image.Image) -> Paper | None:
    """The page of a photographed page on a darker table; None when there is nothing to isolate.

    Why: Tesseract's Otsu threshold splits table from paper instead of ink from paper, the page
    becomes one black block with white text, and layout analysis returns nothing; skew estimation
    also follows the table's edge instead of the text lines. Pages whose border is already paper
    (scans, screenshots, a page on a white desk) are rejected after one histogram of a thumbnail,
    which costs under a millisecond per megapixel.
    """
    thumbnail = image.reduce(max(1, max(image.size) // _MASK_SIDE))
    if thumbnail.mode not in ("L", "RGB"):
        thumbnail = thumbnail.convert("RGB")
    small = thumbnail.convert("L")
    pixels = np.asarray(small)
    threshold = otsu_threshold(np.bincount(pixels.ravel(), minlength=256))
    if not border_is_dark(pixels, threshold):
        return None
    k = max(3, min(small.size) // 40)
    bright = pixels > threshold
    paper = _box_filter(_box_filter(bright, k, grow=True), k, grow=False)  # close text holes
    paper = _box_filter(_box_filter(paper, k, grow=False), k, grow=True)  # drop bright specks on the table
    paper = _box_filter(paper, 3, grow=False)  # the paper's own edge and shadow go with the table
    share = float(paper.mean())
    # Dark text on a light page fills its page mostly with paper; light text on a dark page, whose
    # "bright" blobs are letters, does not: leave that to Tesseract's inversion.
    if not 0.1 < share < 0.95 or float(bright[paper].mean()) < 0.8:
        return None
    coarse = max(1, max(paper.shape) // _FILL_SIDE)  # the fill is smooth: a coarse grid is enough
    clean = Image.fromarray((paper & bright).astype(np.uint8) * 255).reduce(coarse)
    colours = np.asarray(thumbnail.reduce(coarse), dtype=np.float32)
    fill = _paper_colour(colours.reshape(*colours.shape[:2], -1), np.asarray(clean) > 127, 3)
    mask = Image.fromarray(paper.astype(np.uint8) * 255)
    return Paper(mask, Image.fromarray(fill[..., 0] if fill.shape[2] == 1 else fill))


def border_is_dark(pixels: np.ndarray, threshold: float) -> bool:
    """Whether the outermost pixels of a grey thumbnail are mostly below the page's Otsu threshold:
    only then is there a table around the page to isolate."""
    border = np.concatenate((pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]))
    return float(np.median(border)) < threshold


def paint_table(image: Image.Image, paper: Paper) -> Image.Image:
    """`image` (the photo at any scale) with everything off the paper painted in the nearby paper's colour."""
    mask = paper.mask.resize(image.size, Image.Resampling.NEAREST)
    out = paper.fill.resize(image.size, Image.Resampling.BILINEAR).convert(image.mode)
    out.paste(image, (0, 0), mask)
    return out


def _paper_colour(rgb: np.ndarray, paper: np.ndarray, k: int) -> np.ndarray:
    """Every pixel gets the colour of the nearby paper (normalized box convolution, widening until
    it reaches the paper), so the painted table continues the page's lighting gradient: a flat fill
    would be split from the shaded side of the page by Tesseract's global threshold."""
    weight = paper.astype(np.float32)
    out = np.empty_like(rgb)
    filled = np.zeros(paper.shape, dtype=bool)
    size = 2 * k + 1
    while not filled.all() and size < 4 * max(paper.shape):
        mass = _box_sum(weight, size)
        ready = (mass > 0) & ~filled
        for channel in range(rgb.shape[2]):
            sums = _box_sum(rgb[..., channel] * weight, size)
            out[..., channel][ready] = sums[ready] / mass[ready]
        filled |= ready
        size *= 2
    out[~filled] = np.median(rgb[paper], axis=0) if paper.any() else 255
    colours: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return colours


def _box_sum(values: np.ndarray, k: int) -> np.ndarray:
    """Sum over a k x k window around each pixel (zero outside), via an integral image."""
    pad = k // 2
    padded = np.pad(values, pad)
    table = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = values.shape
    sums: np.ndarray = table[k : k + h, k : k + w] - table[0:h, k : k + w] - table[k : k + h, 0:w] + table[0:h, 0:w]
    return sums


_MASK_SIDE = 400  # px: the thumbnail the page mask is computed on
_FILL_SIDE = 80  # px: the grid the table's fill colours are computed on


def otsu_threshold(histogram: np.ndarray) -> int:
    """The grey level that best splits a 256-bin histogram into two classes (Otsu 1979)."""
    levels = np.arange(len(histogram), dtype=np.float64)
    total = float(histogram.sum())
    below = np.cumsum(histogram).astype(np.float64)
    above = total - below
    mass = np.cumsum(histogram * levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mass[-1] * below / total - mass) ** 2 / (below * above)
    if np.isnan(between).all():  # one grey level only: nothing to split
        return int(np.argmax(histogram))
    return int(np.nanargmax(between))


def _box_filter(mask: np.ndarray, k: int, *, grow: bool) -> np.ndarray:
    """Dilate (grow) or erode a boolean mask with a k x k square, via an integral image."""
    pad = k // 2
    padded = np.pad(mask.astype(np.int32), pad, mode="edge")
    table = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = mask.shape
    sums = table[k : k + h, k : k + w] - table[0:h, k : k + w] - table[k : k + h, 0:w] + table[0:h, 0:w]
    result: np.ndarray = sums > 0 if grow else sums == k * k
    return result
