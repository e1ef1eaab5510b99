"""What the pipeline does before reading, and what it costs: paper isolation (ocr/paper.py) found on a
thumbnail, skipped when the border is already paper, painted only after a big photo has been scaled
down, a big one in grey; efficient/fast asking OSD before reading the turns. Observed through the
images the pipeline hands on, never through timing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr import orient, paper, projection
from cos_ocr_emulator.ocr.pipeline import OcrService
from cos_ocr_emulator.ocr.request import OcrRequest
from fixtures.manifest import Fixture, cer

ON_A_TABLE = ["photo_en.jpg", "receipt_grey.jpg", "receipt_wood.jpg"]
PAPER_BORDER = ["scan_en.png", "rot90_en.png", "zh.png", "handwriting.jpg", "tiny_text.png", "cols2_gutter1.png"]


def _page(fx: Fixture) -> Image.Image:
    return imaging.load(fx.data(), Settings(), ispdf=False, page=1).image


@pytest.mark.parametrize("name", PAPER_BORDER)
def test_nothing_to_isolate_when_the_border_is_paper(name: str, manifest: dict[str, Fixture]) -> None:
    page = _page(manifest[name])
    assert paper.find_paper(page) is None
    assert paper.find_paper(page.convert("L")) is None
    assert paper.isolate_page(page) is page


@pytest.mark.parametrize("name", ON_A_TABLE)
def test_a_page_on_a_table_is_found_in_colour_and_in_grey(name: str, manifest: dict[str, Fixture]) -> None:
    page = _page(manifest[name])
    found = {mode: paper.find_paper(page.convert(mode)) for mode in ("RGB", "L")}
    masks = []
    for mode, result in found.items():
        assert result is not None, mode
        assert result.fill.mode == mode and result.mask.mode == "L"
        masks.append(np.asarray(result.mask) > 127)
        assert 0.1 < masks[-1].mean() < 0.95
    assert (masks[0] != masks[1]).mean() < 0.01  # the grey pipeline isolates the same paper


@pytest.mark.parametrize("name", ON_A_TABLE)
def test_painting_after_a_downscale_is_painting_before_it(name: str, manifest: dict[str, Fixture]) -> None:
    page = _page(manifest[name]).convert("L")
    found = paper.find_paper(page)
    assert found is not None
    before = np.asarray(imaging.resize(paper.paint_table(page, found), 0.5), dtype=np.float32)
    after = np.asarray(paper.paint_table(imaging.resize(page, 0.5), found), dtype=np.float32)
    assert before.shape == after.shape
    assert float(np.abs(before - after).mean()) < 3.0  # grey levels: only resampling at the paper's edge differs
    table = np.asarray(page, dtype=np.float32)
    assert float(after.mean()) > float(table.mean()) + 10  # the dark table is gone


Spy = dict[str, list[tuple[str, tuple[int, int]]]]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    """Records the mode and size of every image the pipeline paints or rotates (and still does it)."""
    seen: Spy = {"paint": [], "rotate": []}

    def watch(module: Any, name: str, key: str) -> None:
        real: Callable[..., Image.Image] = getattr(module, name)

        def recorded(image: Image.Image, *args: Any) -> Image.Image:
            seen[key].append((image.mode, image.size))
            return real(image, *args)

        monkeypatch.setattr(module, name, recorded)

    watch(paper, "paint_table", "paint")
    watch(orient, "apply", "rotate")
    return seen


def test_a_white_bordered_page_is_never_painted(spy: Spy, service: OcrService, manifest: dict[str, Fixture]) -> None:
    fx = manifest["scan_en.png"]
    for kind in ("general", "efficient", "fast"):
        service.recognize_sync(fx.data(), OcrRequest(type=kind))
    assert spy["paint"] == []


def test_a_photo_that_reads_as_it_is_is_not_painted(
    spy: Spy, service: OcrService, manifest: dict[str, Fixture]
) -> None:
    # photo_en.jpg: Tesseract already tells its paper from the table; painting would only cost time.
    fx = manifest["photo_en.jpg"]
    for kind in ("general", "accurate", "efficient", "fast"):
        result = service.recognize_sync(fx.data(), OcrRequest(type=kind))
        assert fx.text is not None and cer(result.text, fx.text) <= 0.02, (kind, result.text)
    assert spy["paint"] == []


def test_a_photo_that_reads_as_nothing_is_painted_and_deskewed(
    spy: Spy, service: OcrService, manifest: dict[str, Fixture]
) -> None:
    fx = manifest["receipt_wood.jpg"]  # read as it is, a receipt on a wooden table comes back empty
    result = service.recognize_sync(fx.data(), OcrRequest(type="general"))
    # A page of ordinary size keeps its colours until it is read (pipeline.recognize_sync says why).
    assert spy["paint"] == [("RGB", (900, 1000))]
    assert [mode for mode, _ in spy["rotate"]][-1] == "RGB"
    assert result.angle == pytest.approx(353.0, abs=0.5)
    assert fx.text is not None and cer(result.text, fx.text) <= 0.02, result.text


def test_handwriting_paints_the_table_before_its_first_reading(
    spy: Spy, service: OcrService, manifest: dict[str, Fixture]
) -> None:
    # Its binarization turns a table into noise that costs seconds to read: no reading as it is first.
    fx = manifest["receipt_grey.jpg"]
    result = service.recognize_sync(fx.data(), OcrRequest(type="handwriting"))
    assert spy["paint"] == [("RGB", (900, 1000))]
    assert [mode for mode, _ in spy["rotate"]] == ["L"]  # binarized next: deskewed in grey
    assert fx.text is not None and cer(result.text, fx.text) <= 0.02, result.text


@pytest.mark.parametrize("kind", ["general", "efficient", "fast"])
def test_a_big_photo_is_painted_and_rotated_only_after_the_downscale(
    kind: str, spy: Spy, service: OcrService, manifest: dict[str, Fixture]
) -> None:
    fx = manifest["photo_12mpx.jpg"]
    result = service.recognize_sync(fx.data(), OcrRequest(type=kind))
    assert fx.text is not None and fx.max_cer is not None
    assert cer(result.text, fx.text) <= fx.max_cer, result.text
    full = 4000 * 3000
    assert spy["paint"], "the grey table must be painted"
    # The line-height copy (at most MEASURE_SIDE) and the page read at ~40 px lines: nothing at 12 Mpx.
    for mode, (width, height) in spy["paint"] + spy["rotate"]:
        assert mode == "L"
        assert width * height < full / 1.9, (width, height)
    if kind == "general":
        assert result.angle == pytest.approx(3.0, abs=0.3)  # the skew measured on the small copy was applied


def _sizes_read(service: OcrService, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The sizes of the images the engine reads (and still reads them)."""
    sizes: list[tuple[int, int]] = []
    real = service.engine.recognize

    def recognize(image: Image.Image, plan: Any) -> Any:
        sizes.append(image.size)
        return real(image, plan)

    monkeypatch.setattr(service.engine, "recognize", recognize)
    return sizes


@pytest.mark.parametrize("name", ["rot90_en.png", "rot180_en.png"])
@pytest.mark.parametrize("kind", ["general", "efficient", "fast"])
def test_a_page_whose_ink_plainly_says_it_is_turned_is_read_turned_at_once(
    kind: str, name: str, service: OcrService, manifest: dict[str, Fixture], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The projections name the turn, the one reading confirms it: no reading of garbage, no OSD.
    sizes = _sizes_read(service, monkeypatch)
    monkeypatch.setattr(service.engine, "detect_orientation", lambda *a, **k: pytest.fail("OSD was asked"))
    fx = manifest[name]
    result = service.recognize_sync(fx.data(), OcrRequest(type=kind))
    assert result.angle == fx.extra["angle"]
    assert fx.text is not None and cer(result.text, fx.text) <= 0.02, result.text
    assert sizes == [(1000, 760)]


@pytest.mark.parametrize("kind", ["efficient", "fast"])
def test_a_turned_page_in_efficient_and_fast_asks_osd_before_reading_the_turns(
    kind: str, service: OcrService, manifest: dict[str, Fixture], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three narrow columns with rules, turned: the projections do not call it (tests/ocr/
    # test_projection.py), OSD is sure, so the page is read twice (as sent, then turned) instead of
    # also reading a band of it in each of the four turns (seconds in fast's one-block mode).
    fx = manifest["cols3_gutter1_rule.png"]
    upright = Image.open(io.BytesIO(fx.data()))
    turned = upright.rotate(-90, expand=True, fillcolor=255)
    assert projection.likely_turn(turned.convert("L")) is None  # the case this test is about
    data = io.BytesIO()
    turned.save(data, format="PNG")
    sizes = _sizes_read(service, monkeypatch)
    result = service.recognize_sync(data.getvalue(), OcrRequest(type=kind))
    assert result.angle == 90.0
    assert fx.text is not None and cer(result.text, fx.text) <= 0.02, result.text
    assert sizes == [turned.size, upright.size]
