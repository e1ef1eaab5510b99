"""The pure parts of issue 9's fixes: turn scoring, the script decision of auto, workers, transparency."""

from __future__ import annotations

import io
import threading
import time

import anyio
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr import paper, turns
from cos_ocr_emulator.ocr.engine.base import RawLine, RawWord
from cos_ocr_emulator.ocr.lines import cjk_language
from cos_ocr_emulator.ocr.result import Box
from cos_ocr_emulator.ocr.workers import Workers


def reading(text: str, confidence: float = 90.0, *, vertical: bool = False) -> list[RawLine]:
    lines = []
    for row, line in enumerate(text.splitlines()):
        words = tuple(RawWord(w, confidence, Box(10 * i, 30 * row, 9, 20)) for i, w in enumerate(line.split()))
        box = Box(0, 30 * row, 20, 300) if vertical else Box(0, 30 * row, 300, 20)
        lines.append(RawLine(box, words))
    return lines


@pytest.mark.parametrize(
    "word", ["Total", "TOTAL", "total", "12.30", "10:21", "东方超市", "o'clock", "well-known", "(cash),", "€4.50"]
)
def test_plausible_words(word: str) -> None:
    assert turns.plausible(word)


@pytest.mark.parametrize("word", ["g9Zz0Z", "noA", "1Ie3oL", "jueuU1", "08L", "O€", "", "..."])
def test_implausible_words(word: str) -> None:
    assert not turns.plausible(word)


UPSIDE_DOWN = "ule6e awod noA jueuU1\nO€ ZT 1Ie3oL\n0S y He} addy T\n08L Jeo] ahy Z\nXAMANVE YANYOOD"
UPRIGHT = "CORNER BAKERY\n2 Rye loaf 7.80\n1 Apple tart 4.50\nTotal 12.30\nThank you, come again"


def test_upside_down_reading_is_doubtful_even_when_confident() -> None:
    assert turns.doubtful(reading(UPSIDE_DOWN, 95.0))
    assert not turns.looks_upright(reading(UPSIDE_DOWN, 95.0))
    assert turns.looks_upright(reading(UPRIGHT))
    assert turns.doubtful(reading(UPRIGHT, vertical=True))  # a page turned 90°: vertical lines
    assert not turns.doubtful(reading(UPRIGHT, 40.0))  # blurry but plausible: not worth turning
    assert not turns.doubtful([])


def test_a_reading_plausible_in_shape_only_is_doubtful() -> None:
    # What fast read of a four-line invoice turned 90° (PSM 6): word-shaped fragments, mostly unsure.
    garbage = [("oqo", 85), ("oobpa", 16), ("dqdomvs", 9), ("rmameae", 22), ("三", 17), ("masa", 42)]
    garbage += [("m", 91), ("qm", 26), ("oe", 61), ("姜", 0), ("IN", 42), ("2", 95), ("wn", 58), ("ne", 22)]
    line = RawLine(Box(0, 0, 300, 20), tuple(RawWord(w, c, Box(20 * i, 0, 18, 20)) for i, (w, c) in enumerate(garbage)))
    assert turns.plausible_share([line]) >= turns.PLAUSIBLE_SHARE  # every older test passes it
    assert turns.mean_confidence([line]) >= turns.GARBLED_BELOW
    assert turns.confident_share([line]) < turns.CONFIDENT_SHARE
    assert turns.doubtful([line])


def test_best_turn_reads_the_turns_and_needs_a_clear_win() -> None:
    readings = {0: reading(UPSIDE_DOWN, 95.0), 90: reading(UPRIGHT, vertical=True), 180: reading(UPRIGHT)}
    assert turns.best_turn(0, readings[0], lambda turn: readings.get(turn, [])) == 180
    assert turns.best_turn(0, reading(UPRIGHT), lambda turn: reading(UPRIGHT, 95.0)) == 0  # no clear win


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("东方超市 收银小票", "zh"),
        ("コンビニ 領収書 合計", "jap"),
        ("편의점 영수증 합계", "kor"),
        ("Total 12.30", None),
    ],
)
def test_auto_decides_by_the_script_of_the_characters(text: str, code: str | None) -> None:
    assert cjk_language(reading(text)) == code


def test_light_ink_on_transparency_is_inverted_to_print() -> None:
    sticker = Image.new("RGBA", (40, 20), (255, 255, 255, 0))
    sticker.paste((255, 255, 255, 255), (10, 5, 30, 15))
    out = imaging.to_rgb(sticker)
    assert out.getpixel((0, 0)) == (255, 255, 255) and out.getpixel((20, 10)) == (0, 0, 0)
    nothing = imaging.to_rgb(Image.new("RGBA", (4, 4), (0, 0, 0, 0)))
    assert nothing.getpixel((0, 0)) == (255, 255, 255)


def test_isolation_leaves_scans_and_flat_images_alone() -> None:
    flat = Image.new("RGB", (300, 200), (128, 128, 128))
    assert paper.isolate_page(flat) is flat
    out = io.BytesIO()
    flat.save(out, "PNG")
    assert imaging.border_colour(flat) == (128, 128, 128)
    assert imaging.border_colour(flat.convert("L")) == 128


def test_workers_refuse_after_close_and_cancel_queued_jobs() -> None:
    workers = Workers(1)
    gate = threading.Event()
    first = workers.submit(gate.wait)
    while not first.running():  # the one thread has taken the first job
        time.sleep(0.01)
    queued = workers.submit(lambda: "never")
    workers.close()
    gate.set()
    assert first.result(timeout=10) is True
    assert queued.cancelled()
    with pytest.raises(CosError) as caught:
        workers.submit(lambda: None)
    assert caught.value.code == "ServiceUnavailable" and caught.value.status == 503


def test_workers_run_awaits_results_and_errors() -> None:
    workers = Workers(2)

    def fail() -> None:
        raise CosError("InvalidContent", "bad")

    async def main() -> str:
        with pytest.raises(CosError):
            await workers.run(fail)
        return await workers.run(lambda: "done")

    assert anyio.run(main) == "done"
    workers.close()


def test_bad_limits_are_one_line_naming_the_setting() -> None:
    from cos_ocr_emulator.config import load_settings

    for name, value in (("ocr_timeout", "0"), ("ocr_engine_cache", "-1"), ("shutdown_grace", "-2")):
        with pytest.raises(ValueError, match=name):
            load_settings(env={f"COS_EMULATOR_{name.upper()}": value})
    assert Settings().ocr_timeout == 30.0 and Settings().shutdown_grace == 10.0 and Settings().ocr_engine_cache == 4
