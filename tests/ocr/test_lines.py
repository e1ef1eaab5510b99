"""Reading order: fragments of one printed line are joined; columns and separate lines are not."""

from __future__ import annotations

from cos_ocr_emulator.ocr.engine.base import RawLine, RawWord
from cos_ocr_emulator.ocr.lines import merge_fragments
from cos_ocr_emulator.ocr.result import Box


def line(text: str, x: int, y: int, w: int, h: int = 20) -> RawLine:
    return RawLine(Box(x, y, w, h), (RawWord(text, 90.0, Box(x, y, w, h)),))


def texts(lines: list[RawLine]) -> list[str]:
    return [" ".join(w.text for w in row.words) for row in lines]


def test_right_half_returned_first_is_joined_in_place_left_to_right() -> None:
    raw = [line("a long top line", 0, 0, 380), line("paid in cash.", 260, 44, 120), line("rent is 15,", 0, 40, 240),
           line("bottom", 0, 80, 200)]  # fmt: skip
    merged = merge_fragments(raw)
    assert texts(merged) == ["a long top line", "rent is 15, paid in cash.", "bottom"]
    assert merged[1].box == Box(0, 40, 380, 24)


def test_columns_far_apart_and_stacked_lines_stay_separate() -> None:
    raw = [line("left column", 0, 0, 200), line("right column", 600, 2, 200), line("next", 0, 25, 200)]
    assert texts(merge_fragments(raw)) == ["left column", "right column", "next"]


def test_narrow_gutter_lines_stay_apart_in_block_order() -> None:
    # Two columns, gutter one line height wide (20 px); Tesseract returns them column by column.
    left = [line(f"left {i}", 0, 25 * i, 300) for i in range(3)]
    right = [line(f"right {i}", 320, 25 * i, 300) for i in range(3)]
    assert texts(merge_fragments(left + right)) == [*(f"left {i}" for i in range(3)), *(f"right {i}" for i in range(3))]


def test_right_column_first_is_not_joined_across_the_gutter() -> None:
    # Even if a layout returned the right column first, no line crosses the gutter: no join.
    right = [line(f"right {i}", 320, 25 * i, 300) for i in range(3)]
    left = [line(f"left {i}", 0, 25 * i, 300) for i in range(3)]
    assert len(merge_fragments(right + left)) == 6
