"""Page orientation and skew, and the coordinate transforms that undo them.

Why: Tesseract reads upright text best, but the API reports line polygons in the image the client
sent. So the pipeline rotates the page upright (a quarter turn from OSD, then the residual skew),
recognizes it, and maps every box back through the inverse transform. The transforms are plain
affine matrices built by pure functions (tested with vector tables); the only image operation here
applies such a matrix with Pillow, so geometry and pixels can never disagree.

Conventions (documented in docs/ocr-types.md):
- Coordinates are pixel-edge coordinates: pixel (i, j) covers [i, i+1) x [j, j+1), y grows downwards.
- Angles are degrees clockwise, as the API's `Angel`: text rotated 90° clockwise in the original image
  has angle 90; text tilted slightly anticlockwise has e.g. 359.99 (never a negative angle).
- "Correcting" an image by angle a rotates it a degrees anticlockwise onto a canvas that holds all of
  it (expand), so that the text becomes horizontal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from cos_ocr_emulator.ocr.result import Box, Point, Quad

# Below this OSD confidence a quarter turn is not applied (Tesseract's own docs suggest ~2 is noise).
MIN_OSD_CONFIDENCE = 2.0


@dataclass(frozen=True)
class Orientation:
    """What OSD found: the page's clockwise rotation (0/90/180/270) and its script."""

    degrees: int
    confidence: float
    script: str | None = None
    script_confidence: float = 0.0


@dataclass(frozen=True)
class Affine:
    """x' = a*x + b*y + c ; y' = d*x + e*y + f."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    e: float = 1.0
    f: float = 0.0

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f

    def then(self, other: Affine) -> Affine:
        """The transform that applies `self` first and `other` second."""
        return Affine(
            other.a * self.a + other.b * self.d,
            other.a * self.b + other.b * self.e,
            other.a * self.c + other.b * self.f + other.c,
            other.d * self.a + other.e * self.d,
            other.d * self.b + other.e * self.e,
            other.d * self.c + other.e * self.f + other.f,
        )

    def inverse(self) -> Affine:
        det = self.a * self.e - self.b * self.d
        if det == 0:
            raise ValueError("singular transform")
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return Affine(a, b, -(a * self.c + b * self.f), d, e, -(d * self.c + e * self.f))


def _cos_sin(degrees: float) -> tuple[float, float]:
    """Exact values for quarter turns, so 90° never leaves 6e-17 residue in a coordinate."""
    exact = {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}
    turn = degrees % 360
    if turn in exact:
        return exact[int(turn)]
    rad = math.radians(degrees)
    return math.cos(rad), math.sin(rad)


def correction(width: int, height: int, angle: float) -> tuple[Affine, int, int]:
    """Transform from an image whose text is rotated `angle` clockwise to the upright, expanded canvas.

    Returns (original -> corrected transform, corrected width, corrected height).
    """
    cos, sin = _cos_sin(angle)
    # Anticlockwise on screen (y down): x' = x cos + y sin, y' = -x sin + y cos.
    rotate = Affine(cos, sin, 0.0, -sin, cos, 0.0)
    corners = [rotate.apply(x, y) for x, y in ((0, 0), (width, 0), (width, height), (0, height))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    new_w, new_h = _size(max(xs) - min(xs)), _size(max(ys) - min(ys))
    # Centre the rotated page on the new canvas (min corner at the origin for exact quarter turns).
    shift_x = (new_w - (max(xs) - min(xs))) / 2 - min(xs)
    shift_y = (new_h - (max(ys) - min(ys))) / 2 - min(ys)
    return rotate.then(Affine(c=shift_x, f=shift_y)), new_w, new_h


def _size(extent: float) -> int:
    # 1e-6 tolerance: a quarter turn of an integer size must stay that integer.
    return max(1, math.ceil(extent - 1e-6))


def scaling(factor: float) -> Affine:
    return Affine(a=factor, e=factor)


def normalize_angle(angle: float) -> float:
    """Degrees in [0, 360) rounded to 0.01; -0.01 -> 359.99, 360 -> 0.0."""
    value = round(angle % 360.0, 2)
    return 0.0 if value >= 360.0 else value


def box_to_quad(box: Box, transform: Affine) -> Quad:
    """A box of the corrected image as the quad it covers in the original, clockwise from its top-left."""
    corners = box.quad()
    mapped = [transform.apply(p.x, p.y) for p in corners]
    points = [Point(round(x), round(y)) for x, y in mapped]
    return (points[0], points[1], points[2], points[3])


def box_to_box(box: Box, transform: Affine) -> Box:
    """The axis-aligned bounding box of a transformed box (used for scale-only transforms)."""
    mapped = [transform.apply(p.x, p.y) for p in box.quad()]
    left, top = min(x for x, _ in mapped), min(y for _, y in mapped)
    right, bottom = max(x for x, _ in mapped), max(y for _, y in mapped)
    return Box(round(left), round(top), round(right) - round(left), round(bottom) - round(top))


def apply(image: Image.Image, transform: Affine, size: tuple[int, int], fill: int | tuple[int, ...]) -> Image.Image:
    """Resample `image` through `transform` (source -> destination) onto a canvas of `size`."""
    if transform == Affine():
        return image
    inverse = transform.inverse()  # Pillow asks, for each output pixel, where to read the input
    quarter = all(abs(v - round(v)) < 1e-9 for v in (transform.a, transform.b, transform.d, transform.e))
    resample = Image.Resampling.NEAREST if quarter else Image.Resampling.BICUBIC
    data = (inverse.a, inverse.b, inverse.c, inverse.d, inverse.e, inverse.f)
    return image.transform(size, Image.Transform.AFFINE, data, resample=resample, fillcolor=fill)


def estimate_skew(gray: Image.Image, limit: float = 10.0) -> float:
    """Residual clockwise skew of text lines in degrees (|skew| <= limit), 0.0 when unsure.

    Projection-profile method: take the dark pixels of a downscaled copy, project them onto the
    vertical axis of a page rotated by each candidate angle, and keep the angle whose profile is
    sharpest (text lines fall into few bins). Pure numpy and cheap: no image is rotated.
    """
    scale = min(1.0, 1000.0 / max(gray.size))
    small = (
        gray if scale == 1.0 else gray.resize((max(1, round(gray.width * scale)), max(1, round(gray.height * scale))))
    )
    pixels = np.asarray(small, dtype=np.float32)
    if pixels.size == 0:
        return 0.0
    threshold = min(float(pixels.mean()) - 2 * float(pixels.std()) / 3, 160.0)
    ys, xs = np.nonzero(pixels < threshold)
    if len(xs) < 200:
        return 0.0
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    # The coarse search only has to land within half a degree: every few points are enough for it
    # (41 projections are three quarters of the cost); the fine one uses them all.
    step = max(1, len(xs) // _COARSE_POINTS)
    coarse = _best_angle(xs[::step], ys[::step], np.arange(-limit, limit + 0.001, 0.5))
    fine = _best_angle(xs, ys, np.arange(coarse - 0.5, coarse + 0.501, 0.05))
    return round(float(fine), 2)


_COARSE_POINTS = 15_000


def _best_angle(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> float:
    rad = np.radians(angles).astype(np.float32)[:, None]
    # y coordinate after rotating the page anticlockwise by the candidate angle. float32 and int32
    # (pixel coordinates of a 1000 px copy need no more) make this five times cheaper than float64.
    projected = ys.astype(np.float32)[None, :] * np.cos(rad) - xs.astype(np.float32)[None, :] * np.sin(rad)
    projected -= projected.min(axis=1, keepdims=True)
    bins = projected.astype(np.int32)  # truncation is floor: every value is >= 0
    scores = [float(np.square(np.bincount(row).astype(np.float64)).sum()) for row in bins]
    return float(angles[int(np.argmax(scores))])
