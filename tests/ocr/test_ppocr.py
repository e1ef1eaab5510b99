"""The PP-OCR engine (ocr_engine=ppocr) through the real pipeline and models, beside Tesseract.

Accuracy: every fixture with ground truth is read within its PP-OCR bound (`max_cer_ppocr`, else the
document bound `max_cer` that Tesseract meets); on the scene fixtures PP-OCR must be far better than
Tesseract, measured in the same run. Geometry: real quadrilaterals, per-character CJK boxes from the
CTC alignment, Latin words with their spaces restored. Orientation stays the pipeline's decision.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr.engine import create_engine, engine_missing
from cos_ocr_emulator.ocr.engine.base import RawLine, RecognitionPlan
from cos_ocr_emulator.ocr.engine.ppocr import PpocrEngine, _bounds, _Crop, _join_pieces, model_version
from cos_ocr_emulator.ocr.pipeline import OcrService
from cos_ocr_emulator.ocr.request import TYPES, OcrRequest
from cos_ocr_emulator.ocr.result import OcrResult, Quad
from fixtures.manifest import Fixture, cer, fixtures

MANIFEST = fixtures()
READABLE = sorted(
    name
    for name, fx in MANIFEST.items()
    if fx.text and (fx.max_cer is not None or "max_cer_ppocr" in fx.extra) and "types" not in fx.extra
)
SCENES = sorted(name for name, fx in MANIFEST.items() if fx.extra.get("scene"))
# Tesseract's character error rate minus PP-OCR's on scene text is at least this ("clearly better").
SCENE_MARGIN = 0.5


@pytest.fixture(scope="module")
def ppocr() -> Iterator[OcrService]:
    svc = OcrService(Settings(ocr_engine="ppocr", ocr_workers=2))
    yield svc
    svc.close()


def run(service: OcrService, fx: Fixture, **query: str) -> OcrResult:
    if fx.file.endswith(".pdf"):
        query = {"ispdf": "true", "pdf-pagenumber": str(fx.extra["page"]), **query}
    return service.recognize_sync(fx.data(), OcrRequest.parse(query))


def bound(fx: Fixture) -> float:
    value = fx.extra.get("max_cer_ppocr", fx.max_cer)
    assert isinstance(value, float)
    return value


def edge_angle(quad: Quad) -> float:
    """Direction of a polygon's top edge in degrees (clockwise positive, y down)."""
    return math.degrees(math.atan2(quad[1].y - quad[0].y, quad[1].x - quad[0].x))


@pytest.mark.parametrize("name", READABLE)
def test_ppocr_reads_every_fixture(name: str, ppocr: OcrService) -> None:
    fx = MANIFEST[name]
    assert fx.text is not None
    result = run(ppocr, fx)
    assert cer(result.text, fx.text) <= bound(fx), result.text
    assert result.engine == "ppocr"
    assert result.pdf_page_size == fx.extra.get("pages", 0)
    for line in result.lines:
        assert isinstance(line.confidence, int) and 0 <= line.confidence <= 100
        assert all(isinstance(v, int) for p in line.polygon for v in (p.x, p.y))


@pytest.mark.parametrize("name", SCENES)
def test_ppocr_is_clearly_better_than_tesseract_on_scene_text(
    name: str, ppocr: OcrService, service: OcrService
) -> None:
    fx = MANIFEST[name]
    assert fx.text is not None
    ours = cer(run(ppocr, fx).text, fx.text)
    tesseract = cer(run(service, fx).text, fx.text)
    assert ours <= bound(fx)
    assert tesseract - ours >= SCENE_MARGIN, (tesseract, ours)


def test_every_type_runs_and_keeps_its_trade_off(ppocr: OcrService) -> None:
    fx = MANIFEST["poster_zh.jpg"]
    assert fx.text is not None
    for kind in TYPES:
        result = run(ppocr, fx, type=kind)
        assert cer(result.text, fx.text) <= bound(fx), (kind, result.text)


def test_cjk_words_are_single_characters_inside_their_line(ppocr: OcrService) -> None:
    result = run(ppocr, MANIFEST["zh.png"], isword="true")
    first = result.lines[0]
    assert [w.text for w in first.words] == list("欢迎使用文字识别服务")
    # WordPolygon (handwriting only, as the API page says) carries the same per-character boxes.
    polygons = run(ppocr, MANIFEST["zh.png"], type="handwriting", **{"enable-word-polygon": "true"})
    assert len(polygons.lines[0].word_polygons) == len(first.words)
    lefts = [w.polygon[0].x for w in first.words]
    assert lefts == sorted(lefts)
    line_left, line_right = first.polygon[0].x, first.polygon[1].x
    for word in first.words:
        width = word.polygon[1].x - word.polygon[0].x
        # Noto Sans CJK at 32 px: each glyph about 28-32 px wide, inside the line's box.
        assert 22 <= width <= 36, word
        assert line_left - 2 <= word.polygon[0].x and word.polygon[1].x <= line_right + 2
        assert 0 <= word.confidence <= 100
    # A mixed line: CJK characters one by one, the phone number as one unit.
    last = result.lines[-1]
    assert [w.text for w in last.words][-1] == "010-12345678"


def test_latin_words_get_back_the_spaces_the_model_drops(ppocr: OcrService) -> None:
    """The Chinese model reads "WEEKLYMARKETNOTICE"; the gaps in the crop put the spaces back."""
    result = run(ppocr, MANIFEST["photo_en.jpg"], isword="true")
    assert result.lines[0].text == "WEEKLY MARKET NOTICE"
    assert [w.text for w in result.lines[0].words] == ["WEEKLY", "MARKET", "NOTICE"]
    words = result.lines[2].words
    assert [w.text for w in words] == ["every", "Saturday", "from", "8", "to", "13", "o'clock."]
    for left, right in itertools.pairwise(words):
        assert left.polygon[1].x < right.polygon[0].x  # word boxes do not overlap, in reading order


def test_polygons_are_the_detectors_quadrilaterals(ppocr: OcrService) -> None:
    """The sign is turned about 15° and seen from the side: its lines' polygons follow the text
    (not an axis-aligned box), and so do the characters'."""
    result = run(ppocr, MANIFEST["sign_zh.jpg"], isword="true")
    assert result.lines
    for line in result.lines:
        assert 10 <= edge_angle(line.polygon) <= 25, line.polygon
        for word in line.words:
            assert 5 <= edge_angle(word.polygon) <= 30, word
        # ItemPolygon stays the axis-aligned box of the (deskewed) line.
        assert line.item_polygon.width > 0 and line.item_polygon.height > 0


@pytest.mark.parametrize(("name", "quarter"), [("rot90_en.png", 90), ("rot180_en.png", 180)])
def test_page_turns_are_the_pipelines_decision(name: str, quarter: int, ppocr: OcrService) -> None:
    """PP-OCR's classifier only flips single lines; a turned page is found by the pipeline's OSD and
    read upright, so lines come in reading order and Angel says how the page was turned."""
    fx = MANIFEST[name]
    assert fx.text is not None
    result = run(ppocr, fx)
    assert abs((result.angle - quarter + 180) % 360 - 180) < 3, result.angle
    assert cer(result.text, fx.text) <= bound(fx)
    assert "harbour" in result.lines[0].text


def test_languages_it_does_not_read_fall_back_to_tesseract(ppocr: OcrService) -> None:
    zh = run(ppocr, MANIFEST["line.bmp"], **{"language-type": "zh"})
    assert zh.engine == "ppocr"
    german = run(ppocr, MANIFEST["line.bmp"], **{"language-type": "ger"})
    assert german.engine == "tesserocr" and german.language == "ger"
    assert cer(german.text, MANIFEST["line.bmp"].text or "") <= 0.05


def test_engine_identity_for_cache_keys(ppocr: OcrService) -> None:
    engine = ppocr.engine
    assert engine.name == "ppocr"
    assert engine.version().startswith(model_version() + "; fallback tesserocr 5.")
    assert model_version().startswith("PP-OCRv4 (rapidocr-onnxruntime 1.4.")
    assert engine.engine_for("chi_sim+eng") is engine and engine.engine_for("eng") is engine
    assert engine.engine_for("jpn+eng").name == "tesserocr"
    health = ppocr.health()
    assert health["engine"] == "ppocr" and health["engine_version"] == engine.version()
    assert health["tesseract"].startswith("5.")


def test_blank_page_has_no_lines(ppocr: OcrService) -> None:
    assert run(ppocr, MANIFEST["blank.png"]).lines == []


def test_model_pool_is_bounded_and_reused() -> None:
    """Two workers share at most two model sets, made once; the third caller waits for one."""
    engine = create_engine(Settings(ocr_engine="ppocr", ppocr_threads=1), workers=2)
    assert isinstance(engine, PpocrEngine)
    page = Image.open(MANIFEST["line.bmp"].path).convert("RGB")
    plan = RecognitionPlan("chi_sim+eng")
    texts: list[str] = []
    lock = threading.Lock()

    def read() -> None:
        lines = engine.recognize(page, plan)
        with lock:
            texts.append(" ".join(line.text or "" for line in lines))

    try:
        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(texts)) == 1 and "Formats" in texts[0]
        assert engine._made <= 2 and len(engine._idle) == engine._made
        engine.recognize(page, plan)
        assert engine._made <= 2  # no model loading per request
    finally:
        engine.close()


def test_missing_extra_is_one_line_and_exit_2() -> None:
    """Without rapidocr-onnxruntime importable, the CLI refuses to start: one line, how to install."""
    code = (
        "import sys; sys.modules['rapidocr_onnxruntime'] = None\n"
        "from cos_ocr_emulator.app import create_app\n"
        "from cos_ocr_emulator.cli import main\n"
        "from cos_ocr_emulator.config import Settings\n"
        "try:\n"
        "    create_app(Settings(ocr_engine='ppocr', storage='memory'))\n"
        "except ValueError as exc:  # ConfigError\n"
        "    print('refused:', exc)\n"
        "raise SystemExit(main(['--ocr-engine', 'ppocr', '--storage', 'memory']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "pip install 'cos-ocr-emulator[ppocr]'" in done.stderr
    # Started from Python (the pytest plugin, running_emulator), the app refuses just the same.
    assert done.stdout.startswith("refused: ocr_engine from "), done.stdout
    assert "ocr_engine=ppocr needs the PP-OCR extra" in done.stdout
    assert engine_missing("ppocr") is None and engine_missing("tesseract") is None


def test_crop_geometry_maps_back_through_turns_and_flips() -> None:
    """A vertical line is cut out turned a quarter anticlockwise, so the text's top-left is the strip's
    top-right; a line the classifier flipped runs the other way."""
    turned = np.zeros((10, 40, 3), np.uint8)  # a 10 px wide, 40 px tall strip after np.rot90
    upright = _Crop(turned, np.eye(3), quarter=True)
    assert upright.quad(0, 40) == ((10.0, 0.0), (10.0, 40.0), (0.0, 40.0), (0.0, 0.0))
    flipped = _Crop(turned, np.eye(3), quarter=True, flipped=True)
    assert flipped.quad(0, 40) == ((0.0, 40.0), (0.0, 0.0), (10.0, 0.0), (10.0, 40.0))
    shifted = _Crop(np.zeros((20, 100, 3), np.uint8), np.array([[1.0, 0, 50], [0, 1, 7], [0, 0, 1]]), quarter=False)
    assert shifted.quad(10, 30) == ((60.0, 7.0), (80.0, 7.0), (80.0, 27.0), (60.0, 27.0))


def test_pieces_of_one_line_are_joined_and_columns_are_not() -> None:
    def piece(left: float, right: float, top: float = 0, height: float = 30, text: str = "ab") -> RawLine:
        quad = ((left, top), (right, top), (right, top + height), (left, top + height))
        return RawLine(_bounds(quad), (), quad, text)

    joined = _join_pieces([piece(0, 100, text="Formats"), piece(110, 200, text="must"), piece(400, 500, text="12.50")])
    assert [line.text for line in joined] == ["Formats must", "12.50"]  # 10 px gap joins, 200 px does not
    assert joined[0].polygon == ((0, 0), (200, 0), (200, 30), (0, 30))
    assert len(_join_pieces([piece(0, 100), piece(105, 200, height=80)])) == 2  # a much taller neighbour
    assert len(_join_pieces([piece(0, 100), piece(105, 200, top=25)])) == 2  # the next line down
    cjk = _join_pieces([piece(0, 100, text="前方"), piece(105, 200, text="施工")])
    assert [line.text for line in cjk] == ["前方施工"]
