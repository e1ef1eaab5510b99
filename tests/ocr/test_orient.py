from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from cos_ocr_emulator.ocr import orient
from cos_ocr_emulator.ocr.orient import Affine, box_to_box, box_to_quad, correction, normalize_angle, scaling
from cos_ocr_emulator.ocr.result import Box, Point

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return math.isclose(a[0], b[0], abs_tol=1e-9) and math.isclose(a[1], b[1], abs_tol=1e-9)


# (width, height, angle) -> (new size, where the original corners TL, TR, BR, BL land)
QUARTER_TURNS = [
    (100, 50, 0, (100, 50), [(0, 0), (100, 0), (100, 50), (0, 50)]),
    (100, 50, 90, (50, 100), [(0, 100), (0, 0), (50, 0), (50, 100)]),
    (100, 50, 180, (100, 50), [(100, 50), (0, 50), (0, 0), (100, 0)]),
    (100, 50, 270, (50, 100), [(50, 0), (50, 100), (0, 100), (0, 0)]),
    (100, 50, -90, (50, 100), [(50, 0), (50, 100), (0, 100), (0, 0)]),
    (100, 50, 450, (50, 100), [(0, 100), (0, 0), (50, 0), (50, 100)]),
]


@pytest.mark.parametrize(("w", "h", "angle", "size", "corners"), QUARTER_TURNS)
def test_quarter_turn_corrections(
    w: int, h: int, angle: int, size: tuple[int, int], corners: list[tuple[int, int]]
) -> None:
    transform, new_w, new_h = correction(w, h, angle)
    assert (new_w, new_h) == size
    source = [(0, 0), (w, 0), (w, h), (0, h)]
    for point, expected in zip(source, corners, strict=True):
        assert close(transform.apply(*point), expected)


@pytest.mark.parametrize("angle", [0.5, -3.0, 10.0, 33.3, 90.0, 181.0])
def test_small_rotation_keeps_whole_page_and_centre(angle: float) -> None:
    transform, new_w, new_h = correction(400, 300, angle)
    for x, y in [(0, 0), (400, 0), (400, 300), (0, 300)]:
        nx, ny = transform.apply(x, y)
        assert -1e-6 <= nx <= new_w + 1e-6 and -1e-6 <= ny <= new_h + 1e-6
    cx, cy = transform.apply(200, 150)
    assert math.isclose(cx, new_w / 2, abs_tol=1e-6) and math.isclose(cy, new_h / 2, abs_tol=1e-6)


def test_correction_undoes_a_clockwise_tilt() -> None:
    # A baseline tilted 5° clockwise (y grows to the right on screen) becomes horizontal.
    transform, _, _ = correction(1000, 1000, 5.0)
    left = transform.apply(100, 500)
    right = transform.apply(100 + 500 * math.cos(math.radians(5)), 500 + 500 * math.sin(math.radians(5)))
    assert math.isclose(left[1], right[1], abs_tol=1e-9)


@pytest.mark.parametrize(
    "transform",
    [Affine(), scaling(2.5), correction(640, 480, 90)[0], correction(640, 480, 7.25)[0], Affine(1, 2, 3, 4, 5, 6)],
)
def test_inverse_round_trips(transform: Affine) -> None:
    inverse = transform.inverse()
    for point in [(0.0, 0.0), (13.0, 7.0), (640.0, 480.0)]:
        assert close(inverse.apply(*transform.apply(*point)), point)
        assert close(transform.then(inverse).apply(*point), point)


def test_then_applies_left_first() -> None:
    shift, double = Affine(c=10), scaling(2)
    assert shift.then(double).apply(1, 1) == (22, 2)
    assert double.then(shift).apply(1, 1) == (12, 2)


def test_singular_transform_has_no_inverse() -> None:
    with pytest.raises(ValueError):
        Affine(0, 0, 0, 0, 0, 0).inverse()


@pytest.mark.parametrize(
    ("angle", "expected"),
    [(0, 0.0), (-0.01, 359.99), (360, 0.0), (720.5, 0.5), (90.004, 90.0), (-90, 270.0), (359.996, 0.0), (-0.0, 0.0)],
)
def test_normalize_angle(angle: float, expected: float) -> None:
    assert normalize_angle(angle) == expected


def test_box_to_quad_for_a_page_rotated_90_degrees() -> None:
    # Original 100x50 page whose text runs top-to-bottom (90° clockwise); corrected page is 50x100.
    to_corrected, _, _ = correction(100, 50, 90)
    quad = box_to_quad(Box(10, 20, 30, 5), to_corrected.inverse())
    # The text's own top-left is the top-right corner on screen; order stays clockwise.
    assert quad == (Point(80, 10), Point(80, 40), Point(75, 40), Point(75, 10))


def test_box_to_quad_identity_is_the_box() -> None:
    assert box_to_quad(Box(1, 2, 3, 4), Affine()) == Box(1, 2, 3, 4).quad()


def test_box_to_box_scales() -> None:
    assert box_to_box(Box(10, 20, 30, 40), scaling(0.5)) == Box(5, 10, 15, 20)
    assert box_to_box(Box(10, 20, 30, 40), scaling(2)) == Box(20, 40, 60, 80)


def test_apply_moves_pixels_where_the_transform_says() -> None:
    image = Image.new("L", (120, 80), 255)
    image.putpixel((100, 10), 0)
    for angle in (90, 180, 270, 12.0):
        transform, w, h = correction(120, 80, angle)
        rotated = orient.apply(image, transform, (w, h), 255)
        x, y = transform.apply(100.5, 10.5)  # pixel centre
        pixels = np.asarray(rotated)
        ys, xs = np.nonzero(pixels < 200)
        assert len(xs) >= 1
        assert abs(xs.mean() + 0.5 - x) <= 1.0 and abs(ys.mean() + 0.5 - y) <= 1.0, angle


def test_apply_identity_returns_the_same_image() -> None:
    image = Image.new("L", (10, 10), 255)
    assert orient.apply(image, Affine(), (10, 10), 255) is image


def text_page(angle_cw: float) -> Image.Image:
    font = ImageFont.truetype(DEJAVU, 22)
    page = Image.new("L", (700, 500), 255)
    draw = ImageDraw.Draw(page)
    for row in range(10):
        draw.text((40, 30 + row * 42), "Skew estimation needs several lines of text", font=font, fill=0)
    return page.rotate(-angle_cw, resample=Image.Resampling.BICUBIC, fillcolor=255)


@pytest.mark.parametrize("angle", [0.0, 0.8, -1.5, 4.0, -7.0])
def test_estimate_skew(angle: float) -> None:
    assert orient.estimate_skew(text_page(angle)) == pytest.approx(angle, abs=0.2)


def test_estimate_skew_of_a_blank_page_is_zero() -> None:
    assert orient.estimate_skew(Image.new("L", (300, 200), 255)) == 0.0
    assert orient.estimate_skew(Image.new("L", (1, 1), 0)) == 0.0


def dense_page(angle_cw: float) -> Image.Image:
    """A full page: far more ink pixels than the coarse search samples (orient._COARSE_POINTS)."""
    font = ImageFont.truetype(DEJAVU, 20)
    page = Image.new("L", (1000, 1000), 255)
    draw = ImageDraw.Draw(page)
    for row in range(30):
        draw.text(
            (30, 20 + row * 32), "Dense pages are where the coarse skew search samples its points", font=font, fill=0
        )
    return page.rotate(-angle_cw, resample=Image.Resampling.BICUBIC, fillcolor=255)


@pytest.mark.parametrize("angle", [0.0, 0.35, -2.5, 6.0])
def test_estimate_skew_of_a_dense_page_samples_the_coarse_search_and_stays_exact(angle: float) -> None:
    page = dense_page(angle)
    pixels = np.asarray(page)
    assert int((pixels < 128).sum()) > 2 * orient._COARSE_POINTS
    assert orient.estimate_skew(page) == pytest.approx(angle, abs=0.1)
