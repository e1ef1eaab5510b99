"""CTC alignment, glyph placement and space restoration (engine/ctc.py): pure functions, synthetic inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cos_ocr_emulator.ocr.engine import ctc

ALPHABET = ["blank", "A", "B", "C", "D", "1", "2", "中", "文", " "]


def probabilities(path: str, peak: float = 0.9) -> np.ndarray:
    """One row per timestep: '_' is the blank, any other character its class, at probability `peak`."""
    rows = np.full((len(path), len(ALPHABET)), (1 - peak) / (len(ALPHABET) - 1))
    for t, char in enumerate(path):
        rows[t, 0 if char == "_" else ALPHABET.index(char)] = peak
    return rows


def test_decode_collapses_repeats_and_keeps_timestep_runs() -> None:
    emissions = ctc.decode(probabilities("_AA_A__BB_C"), ALPHABET)
    assert [(e.char, e.first, e.last) for e in emissions] == [("A", 1, 2), ("A", 4, 4), ("B", 7, 8), ("C", 10, 10)]
    assert all(e.confidence == pytest.approx(0.9) for e in emissions)
    assert ctc.decode(np.zeros((0, len(ALPHABET))), ALPHABET) == []


def ink_for(spans: list[tuple[int, int]], width: int, height: int = 20) -> np.ndarray:
    ink = np.zeros(width)
    for left, right in spans:
        ink[left:right] = height // 2
    return ink


def test_cjk_glyphs_are_a_pitch_wide_and_never_overlap() -> None:
    emissions = ctc.decode(probabilities("_中__文__中_"), ALPHABET)
    glyphs = ctc.place(emissions, stride=10.0, width=100, height=30, ink=np.ones(100))
    assert [g.char for g in glyphs] == ["中", "文", "中"]
    centres = [g.centre for g in glyphs]
    assert centres == pytest.approx([15.0, 45.0, 75.0])
    for glyph in glyphs:
        assert glyph.right - glyph.left == pytest.approx(0.92 * 30)
    assert all(a.right <= b.left for a, b in itertools.pairwise(glyphs))
    words = ctc.words(emissions, glyphs, np.ones(100), 30)
    assert [w.text for w in words] == ["中文中"]  # no spaces in Chinese


def latin(path: str, spans: list[tuple[int, int]], width: int = 120) -> list[str]:
    emissions = ctc.decode(probabilities(path), ALPHABET)
    ink = ink_for(spans, width)
    glyphs = ctc.place(emissions, stride=10.0, width=width, height=20, ink=ink)
    return [w.text for w in ctc.words(emissions, glyphs, ink, 20)]


def test_a_wide_blank_gap_restores_a_dropped_space() -> None:
    # Centres at 5, 15, 25 | 45, 55: the ink between 30 and 40 is blank for a whole pitch.
    assert latin("ABC_AB", [(1, 9), (11, 19), (21, 29), (41, 49), (51, 59)]) == ["ABC", "AB"]


def test_a_narrow_gap_drops_a_space_the_model_invented() -> None:
    # The model read "A BC" but the letters are evenly spaced with 2 px gaps: one word.
    assert latin("A BC", [(1, 9), (11, 19), (21, 29), (31, 39)]) == ["ABC"]


def test_digits_of_a_number_stay_together() -> None:
    # Narrow digits leave 5 px of blank between them (half a pitch): still one number.
    assert latin("1212", [(3, 7), (13, 17), (23, 27), (33, 37)]) == ["1212"]
    # The same gaps between letters are word gaps.
    assert latin("ABCD", [(3, 7), (13, 17), (23, 27), (33, 37)]) == ["A", "B", "C", "D"]


def test_on_a_busy_background_the_models_spaces_stand() -> None:
    emissions = ctc.decode(probabilities("A_B C_D"), ALPHABET)
    busy = np.full(80, 10.0)
    glyphs = ctc.place(emissions, stride=10.0, width=80, height=20, ink=busy)
    assert [w.text for w in ctc.words(emissions, glyphs, busy, 20)] == ["AB", "CD"]


def test_mixed_cjk_and_latin_split_only_where_the_model_says() -> None:
    emissions = ctc.decode(probabilities("中文AB 12"), ALPHABET)
    ink = np.full(80, 10.0)
    glyphs = ctc.place(emissions, stride=10.0, width=80, height=20, ink=ink)
    assert [w.text for w in ctc.words(emissions, glyphs, ink, 20)] == ["中文AB", "12"]


def test_ink_profile_is_the_same_for_dark_on_light_and_light_on_dark() -> None:
    page = np.full((20, 30), 230, dtype=np.uint8)
    page[5:15, 10:14] = 20
    dark = ctc.ink_profile(page)
    light = ctc.ink_profile(255 - page)
    assert dark.tolist() == light.tolist()
    assert dark[10:14].min() > 0 and dark[:10].max() == 0 and dark[14:].max() == 0
    assert ctc.ink_profile(np.zeros((0, 0), dtype=np.uint8)).size == 0
