"""The whole pipeline on real Tesseract (tesserocr backend) and on the canned engine."""

from __future__ import annotations

import dataclasses
import io
import threading

import anyio
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.engine.base import RawLine, RecognitionPlan
from cos_ocr_emulator.ocr.engine.canned import CannedEngine, canned_lines
from cos_ocr_emulator.ocr.orient import Orientation
from cos_ocr_emulator.ocr.pipeline import OcrService
from cos_ocr_emulator.ocr.request import TYPES, OcrRequest
from cos_ocr_emulator.ocr.result import OcrResult, Point
from fixtures.manifest import Fixture, cer, fixtures

TEXT_FIXTURES = sorted(
    name for name, fx in fixtures().items() if fx.text and fx.max_cer is not None and "types" not in fx.extra
)


def near(a: object, b: object, tol: int) -> bool:
    """Points, quads and boxes equal within `tol` pixels per coordinate."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(near(x, y, tol) for x, y in zip(a, b, strict=True))
    fields = [f for f in ("x", "y", "width", "height") if hasattr(a, f)]
    return type(a) is type(b) and all(abs(getattr(a, f) - getattr(b, f)) <= tol for f in fields)


def run(service: OcrService, data: bytes, **query: str) -> OcrResult:
    return service.recognize_sync(data, OcrRequest.parse(query))


def query_for(fx: Fixture) -> dict[str, str]:
    if fx.file.endswith(".pdf"):
        return {"ispdf": "true", "pdf-pagenumber": str(fx.extra["page"])}
    return {}


@pytest.mark.parametrize("name", TEXT_FIXTURES)
def test_general_reads_every_fixture(name: str, service: OcrService, manifest: dict[str, Fixture]) -> None:
    fx = manifest[name]
    result = run(service, fx.data(), **query_for(fx))
    assert fx.text is not None and fx.max_cer is not None
    assert cer(result.text, fx.text) <= fx.max_cer, result.text
    assert result.pdf_page_size == fx.extra.get("pages", 0)
    for line in result.lines:
        assert 0 <= line.confidence <= 100
        assert all(isinstance(v, int) for p in line.polygon for v in (p.x, p.y))


def test_accurate_upscales_small_text(service: OcrService, manifest: dict[str, Fixture]) -> None:
    fx = manifest["tiny_text.png"]
    assert fx.text is not None and fx.max_cer is not None
    accurate = cer(run(service, fx.data(), type="accurate").text, fx.text)
    general = cer(run(service, fx.data()).text, fx.text)
    assert accurate <= fx.max_cer
    assert accurate < general


@pytest.mark.parametrize(("name", "quarter"), [("rot90_en.png", 90), ("rot180_en.png", 180)])
def test_rotated_pages_read_like_the_upright_one(
    name: str, quarter: int, service: OcrService, manifest: dict[str, Fixture]
) -> None:
    upright = run(service, manifest["scan_en.png"].data())
    rotated = run(service, manifest[name].data())
    assert cer(rotated.text, upright.text) <= 0.01
    # Angel is the angle corrected: the quarter turn; the page's own 0.8° skew is under general's 1°.
    assert rotated.angle == pytest.approx(quarter, abs=0.3)
    assert upright.angle == 0.0
    # ItemPolygon is in the rotation-corrected image, so it matches the upright page's.
    assert near(rotated.lines[0].item_polygon, upright.lines[0].item_polygon, 3)


def test_rotated_270_and_polygons_follow_the_text(service: OcrService, manifest: dict[str, Fixture]) -> None:
    with Image.open(manifest["scan_en.png"].path) as upright:
        page = upright.transpose(Image.Transpose.ROTATE_90)  # 90° anticlockwise
    out = io.BytesIO()
    page.save(out, "PNG")
    result = run(service, out.getvalue())
    assert result.angle == pytest.approx(270.0, abs=0.3)
    first = result.lines[0].polygon
    # Text runs bottom-to-top: the line's top-left corner is below its top-right corner.
    assert first[0].y > first[1].y + 500
    assert all(0 <= p.x <= page.width and 0 <= p.y <= page.height for p in first)


def test_upright_polygon_matches_the_ink(service: OcrService, manifest: dict[str, Fixture]) -> None:
    result = run(service, manifest["line.bmp"].data())
    top_left, top_right, bottom_right, bottom_left = result.lines[0].polygon
    assert 15 <= top_left.x <= 30 and 15 <= top_left.y <= 35
    assert top_right.y == top_left.y and bottom_left.x == top_left.x and bottom_right.x == top_right.x
    assert result.angle == 0.0


def test_exif_coordinates_are_in_the_displayed_image(service: OcrService, manifest: dict[str, Fixture]) -> None:
    exif = run(service, manifest["exif6.jpg"].data())
    plain = run(service, manifest["line.bmp"].data())
    assert exif.text == plain.text
    assert near(exif.lines[0].polygon, plain.lines[0].polygon, 3)


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_runs(kind: str, service: OcrService, manifest: dict[str, Fixture]) -> None:
    fx = manifest["scan_en.png"]
    assert fx.text is not None
    result = run(service, fx.data(), type=kind)
    assert cer(result.text, fx.text) <= 0.05
    assert result.language == "zh"


def test_types_differ_in_what_they_do(service: OcrService, manifest: dict[str, Fixture]) -> None:
    rotated = manifest["rot180_en.png"].data()
    assert run(service, rotated, type="general").angle == pytest.approx(180.0, abs=0.3)
    # fast and efficient skip OSD and deskew, but an upside-down reading is doubtful, so they
    # compare the quarter turns by cheap readings instead.
    assert run(service, rotated, type="fast").angle == 180.0
    assert run(service, rotated, type="efficient").angle == 180.0
    assert run(service, manifest["scan_en.png"].data(), type="efficient").angle == 0.0  # never deskews


def test_isword_gives_words_and_cjk_characters(service: OcrService, manifest: dict[str, Fixture]) -> None:
    english = run(service, manifest["line.bmp"].data(), isword="true")
    words = english.lines[0].words
    assert [w.text for w in words] == ["Formats", "must", "all", "read", "the", "same"]
    for word in words:
        assert len(word.polygon) == 4 and 0 <= word.confidence <= 100
    chinese = run(service, manifest["zh.png"].data(), isword="true")
    chars = chinese.lines[0].words
    assert "".join(c.text for c in chars) == chinese.lines[0].text
    assert all(len(c.text) == 1 for c in chars)  # one unit per CJK character
    xs = [c.polygon[0].x for c in chars]
    assert xs == sorted(xs)


def test_isword_is_off_by_default(service: OcrService, manifest: dict[str, Fixture]) -> None:
    result = run(service, manifest["line.bmp"].data())
    assert all(not line.words and not line.word_polygons for line in result.lines)


def test_handwriting_word_polygons(service: OcrService, manifest: dict[str, Fixture]) -> None:
    result = run(service, manifest["handwriting.jpg"].data(), type="handwriting", **{"enable-word-polygon": "true"})
    assert result.lines
    for line in result.lines:
        assert line.word_polygons and not line.words
        for quad in line.word_polygons:
            assert quad[0].x < quad[1].x and quad[1].y < quad[2].y


def test_empty_image_has_no_lines(service: OcrService, manifest: dict[str, Fixture]) -> None:
    for kind in TYPES:
        result = run(service, manifest["blank.png"].data(), type=kind)
        assert result.lines == [] and result.angle == 0.0


def test_missing_language_is_unsupported(
    service: OcrService, manifest: dict[str, Fixture], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(languages, "installed_languages", lambda: frozenset({"eng", "osd", "chi_sim"}))
    with pytest.raises(CosError) as info:
        run(service, manifest["line.bmp"].data(), **{"language-type": "tha"})
    assert info.value.code == "UnsupportedLanguage" and info.value.status == 400
    assert "tesseract-ocr-tha" in info.value.message
    with pytest.raises(CosError) as info:
        run(service, manifest["line.bmp"].data(), **{"language-type": "zh_rare"})
    assert "tesseract-ocr-chi-tra" in info.value.message
    assert run(service, manifest["line.bmp"].data()).lines  # zh = chi_sim+eng is still there


def test_auto_language(service: OcrService, manifest: dict[str, Fixture]) -> None:
    assert run(service, manifest["zh.png"].data(), **{"language-type": "auto"}).language == "zh"
    english = run(service, manifest["scan_en.png"].data(), **{"language-type": "auto"})
    assert english.language == "zh" and cer(english.text, manifest["scan_en.png"].text or "") <= 0.05


def test_explicit_language(service: OcrService, manifest: dict[str, Fixture]) -> None:
    result = run(service, manifest["line.bmp"].data(), **{"language-type": "ger"})
    assert result.language == "ger" and "Formats" in result.text


def test_bad_input_is_a_client_error(service: OcrService, manifest: dict[str, Fixture]) -> None:
    cases = [
        (manifest["corrupt.png"].data(), {}, "InvalidContent"),
        (manifest["encrypted.pdf"].data(), {"ispdf": "true"}, "InvalidContent"),
        (manifest["report.pdf"].data(), {}, "InvalidArgument"),
        (manifest["report.pdf"].data(), {"ispdf": "true", "pdf-pagenumber": "4"}, "InvalidArgument"),
        (b"", {}, "InvalidContent"),
    ]
    for data, query, code in cases:
        with pytest.raises(CosError) as info:
            run(service, data, **query)
        assert info.value.code == code and info.value.status == 400


# --- the canned engine: exact geometry without Tesseract ---------------------------------------------


def blank_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


def test_canned_engine_maps_boxes_back_through_a_quarter_turn() -> None:
    engine = CannedEngine(canned_lines("ab"), orientation=Orientation(90, 20.0, "Latin"))
    service = OcrService(Settings(), engine=engine)
    result = run(service, blank_png(100, 200), type="accurate")  # accurate runs OSD before reading
    assert set(engine.sizes) == {(200, 100)}  # both of accurate's passes read the corrected 200x100 page
    line = result.lines[0]
    assert line.item_polygon.x == 10 and line.item_polygon.width == 40
    assert line.polygon == (Point(90, 10), Point(90, 50), Point(60, 50), Point(60, 10))
    assert result.angle == 90.0


def test_general_reads_upright_first_and_runs_osd_only_when_unsure() -> None:
    unsure = CannedEngine(canned_lines("ab"), orientation=Orientation(90, 20.0, "Latin"))  # 2 chars: unsure
    result = run(OcrService(Settings(), engine=unsure), blank_png(100, 200))
    assert unsure.sizes == [(100, 200), (200, 100)]  # the upright reading, then the OSD-corrected one
    assert result.angle == 90.0
    confident = CannedEngine(canned_lines("a confident line"), orientation=Orientation(90, 20.0, "Latin"))
    result = run(OcrService(Settings(), engine=confident), blank_png(400, 100))
    assert confident.sizes == [(400, 100)]  # confident and horizontal: no OSD, no second reading
    assert result.angle == 0.0
    agrees = CannedEngine(canned_lines("ab"), orientation=Orientation(0, 20.0, "Latin"))
    run(OcrService(Settings(), engine=agrees), blank_png(400, 100))
    assert agrees.sizes == [(400, 100)]  # unsure, but OSD says upright: the first reading is kept


def test_canned_engine_scaling_is_undone() -> None:
    engine = CannedEngine(canned_lines("wide"))
    service = OcrService(Settings(), engine=engine)
    result = run(service, blank_png(3200, 400), type="fast")  # fast scales pages above 1600 px by half
    assert engine.sizes == [(1600, 200)]
    assert result.lines[0].polygon[1] == Point(180, 20)  # (10 + 4*20) * 2, 10 * 2
    timeout = engine.plans[0].timeout
    assert timeout is not None and 0 < timeout <= Settings().ocr_timeout  # every engine call is bounded
    assert dataclasses.replace(engine.plans[0], timeout=None) == RecognitionPlan("chi_sim+eng", 6, {}, False)


def test_recognize_runs_off_the_event_loop_and_in_parallel() -> None:
    # No clock: both jobs must meet at a barrier (one at a time, the first would wait alone and the
    # barrier breaks), and each waits for ticks of the event loop, which only come if the loop is free.
    both_running = threading.Barrier(2, timeout=30)
    loop_ticked = threading.Event()

    class SlowEngine(CannedEngine):
        def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
            self.threads.add(threading.get_ident())
            both_running.wait()
            if not loop_ticked.wait(30):
                raise AssertionError("the event loop did not run while OCR was in flight")
            return super().recognize(image, plan)

    engine = SlowEngine()
    engine.threads = set()  # type: ignore[attr-defined]
    service = OcrService(Settings(ocr_workers=2), engine=engine)
    data = blank_png(50, 50)

    async def ticker() -> None:
        ticks = 0
        while True:
            ticks += 1
            if ticks >= 5:
                loop_ticked.set()
            await anyio.sleep(0.01)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            async with anyio.create_task_group() as jobs:
                for _ in range(2):
                    jobs.start_soon(service.recognize, data, OcrRequest(type="efficient"))
            group.cancel_scope.cancel()

    anyio.run(main)
    assert len(engine.threads) == 2  # type: ignore[attr-defined]


def test_health(service: OcrService) -> None:
    health = service.health()
    assert health["engine"] == "tesserocr"
    assert health["tesseract"].startswith("5.")
    assert {"eng", "chi_sim", "osd"} <= set(health["languages"])
    assert health["omp_thread_limit"] == "1"
