"""The projection guess of a page's turn (ocr/projection.py): it may miss a turned page (the
readings then decide), but it must never call an upright page turned, nor an upside-down one
sideways, since each false call costs general, efficient and fast a wasted reading."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr import projection
from fixtures.manifest import Fixture, fixtures

IMAGES = [
    name
    for name, fx in fixtures().items()
    if fx.text and not name.endswith(".pdf") and not fx.extra.get("generated") and fx.extra.get("angle", 0) == 0
]


def _gray(fx: Fixture, clockwise: int = 0) -> Image.Image:
    page = imaging.load(fx.data(), Settings(), ispdf=False, page=1).image.convert("L")
    return page.rotate(-clockwise, expand=True, fillcolor=255) if clockwise else page


@pytest.mark.parametrize("name", IMAGES)
def test_an_upright_page_is_never_guessed_turned(name: str, manifest: dict[str, Fixture]) -> None:
    assert projection.likely_turn(_gray(manifest[name])) is None


@pytest.mark.parametrize("name", IMAGES)
def test_an_upside_down_page_is_never_guessed_sideways(name: str, manifest: dict[str, Fixture]) -> None:
    assert projection.likely_turn(_gray(manifest[name], 180)) in (None, 180)


@pytest.mark.parametrize("name", ["scan_en.png", "cols2_gutter1.png", "line.bmp", "handwriting.jpg", "tiny_text.png"])
def test_latin_print_and_handwriting_upside_down_is_named(name: str, manifest: dict[str, Fixture]) -> None:
    assert projection.likely_turn(_gray(manifest[name], 180)) == 180


@pytest.mark.parametrize("name", ["zh.png", "zh_receipt.png", "poster_zh.jpg"])
def test_han_text_upside_down_is_left_to_the_readings(name: str, manifest: dict[str, Fixture]) -> None:
    # Han characters fill their lines and their punctuation sits low: no x-height band to go by.
    assert projection.likely_turn(_gray(manifest[name], 180)) is None


@pytest.mark.parametrize("clockwise", [90, 270])
@pytest.mark.parametrize("name", ["scan_en.png", "cols2_gutter1.png"])
def test_a_page_of_latin_text_turned_sideways_is_named(name: str, clockwise: int, manifest: dict[str, Fixture]) -> None:
    assert projection.likely_turn(_gray(manifest[name], clockwise)) == clockwise


@pytest.mark.parametrize("name", ["rot90_en.png", "rot180_en.png", "snippet_rot90.png", "snippet_rot270.png"])
def test_the_shipped_turned_fixtures_are_named(name: str, manifest: dict[str, Fixture]) -> None:
    # A snippet a few hundred px wide is measured in one or two strips, not in strips of two letters.
    assert projection.likely_turn(_gray(manifest[name])) == manifest[name].extra["angle"]


def test_lines_leave_empty_rows_and_words_do_not_leave_empty_columns() -> None:
    mask = np.zeros((100, 100), dtype=bool)
    for top in range(10, 90, 20):  # four "lines" of ink 10 rows tall, 10 empty rows apart
        mask[top : top + 10, 5:95] = True
    assert projection.gap_share(mask) == pytest.approx(30 / 70)
    assert projection.gap_share(mask.T) == 0.0


def test_more_ink_above_the_x_height_band_is_upright() -> None:
    line = np.zeros((30, 60), dtype=bool)
    line[10:20, :] = True  # the x-height band
    line[0:10, ::6] = True  # ascenders on every sixth column
    line[20:30, ::30] = True  # descenders on every thirtieth
    assert projection.ascender_ratio(line) > 2
    assert projection.ascender_ratio(line[::-1]) < 0.5


def test_a_blank_page_is_not_sideways() -> None:
    assert projection.likely_turn(Image.new("L", (300, 200), 255)) is None
