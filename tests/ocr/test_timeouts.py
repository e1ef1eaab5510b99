"""Issue 9 §5: every OCR request finishes or fails within `ocr_timeout`, in every engine and every step.

Each step that can take long gets what is left of the request's budget, not the whole limit, and is
stopped when it runs out: Tesseract's recognition (tesserocr's monitor deadline, the CLI killed), OSD
through the CLI, poppler's rasterisation, PP-OCR between and inside its detection, classification
and recognition runs. The inputs are real and slow (slow_inputs.py). That the work really stopped is
shown by CPU time (child processes, or this process for PP-OCR), never by the wall clock; budgets are
fractions of a full reading measured in the same run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import anyio
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr.engine import EngineTimeout, OcrEngine, RawLine, RecognitionPlan
from cos_ocr_emulator.ocr.engine.canned import CannedEngine
from cos_ocr_emulator.ocr.engine.ppocr import PpocrEngine
from cos_ocr_emulator.ocr.engine.pytesseract import PytesseractEngine
from cos_ocr_emulator.ocr.image import load
from cos_ocr_emulator.ocr.orient import Orientation
from cos_ocr_emulator.ocr.pipeline import OcrService
from cos_ocr_emulator.ocr.request import OcrRequest
from fixtures.manifest import Fixture, cer

from .slow_inputs import child_cpu, dense_page, poster_pdf


def _request(**query: str) -> OcrRequest:
    return OcrRequest.parse(query)


def _page(data: bytes) -> Image.Image:
    return load(data, Settings(), ispdf=False, page=1).image


def _assert_timeout(caught: pytest.ExceptionInfo[CosError]) -> None:
    assert caught.value.code == "ProcessTimeout" and caught.value.status == 504, caught.value.message
    assert "ocr_timeout" in caught.value.message


class Recording(OcrEngine):
    """The real engine, with the budget each call got and the time left when it was made."""

    def __init__(self, inner: OcrEngine, deadline: float) -> None:
        self.inner, self.deadline = inner, deadline
        self.name = inner.name
        self.calls: list[tuple[str, float | None, float, float]] = []  # what, budget, left at start, left at end

    def _timed(self, what: str, budget: float | None, call: object) -> object:
        start = self.deadline - time.monotonic()
        try:
            return call()  # type: ignore[operator]
        finally:
            self.calls.append((what, budget, start, self.deadline - time.monotonic()))

    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        return self._timed("recognize", plan.timeout, lambda: self.inner.recognize(image, plan))  # type: ignore[return-value]

    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        found = lambda: self.inner.detect_orientation(image, script=script, timeout=timeout)  # noqa: E731
        return self._timed("osd", timeout, found)  # type: ignore[return-value]


@pytest.mark.parametrize("engine", ["tesserocr", "pytesseract"])
def test_every_engine_call_gets_what_is_left_of_the_budget(
    engine: str, service: OcrService, cli_service: OcrService, manifest: dict[str, Fixture]
) -> None:
    """OSD, the upright and the turned readings, the quarter-turn tests, a second pass: each call is
    bounded by the time left when it starts, which excludes the time earlier steps took."""
    real = service.engine if engine == "tesserocr" else cli_service.engine
    cases = [
        ("snippet_rot180.png", {"language-type": "auto"}),  # OSD, then readings of the quarter turns
        ("snippet_rot90.png", {"type": "efficient"}),  # no OSD: the cheap readings of the turns
        ("scan_en.png", {"type": "accurate"}),  # OSD and the second (Otsu) pass
        ("handwriting.jpg", {"type": "handwriting"}),  # the second pass on the grayscale page
    ]
    if engine == "pytesseract":  # the same steps, one process each: two cases cover them
        cases = cases[::2]
    kinds = set()
    for name, query in cases:
        deadline = time.monotonic() + 600
        recording = Recording(real, deadline)
        svc = OcrService(Settings(ocr_workers=1, ocr_timeout=600), engine=recording)
        svc.recognize_sync(manifest[name].data(), _request(**query), deadline=deadline)
        assert recording.calls, name
        previous_end = 600.0
        for what, budget, left_at_start, left_at_end in recording.calls:
            kinds.add(what)
            assert budget is not None, (name, what)  # no call is unbounded
            # The budget is what was left: not more than remained after the previous call ended,
            # not less than remained when this one started.
            assert left_at_start <= budget <= previous_end, (name, recording.calls)
            previous_end = left_at_end
    assert kinds == {"osd", "recognize"}


def test_pytesseract_osd_is_stopped_at_its_budget() -> None:
    engine = PytesseractEngine()
    page = _page(dense_page(4000)).convert("L")
    cpu, wall = child_cpu(), time.monotonic()
    engine.detect_orientation(page, script=True)  # unbounded: what OSD of this page costs
    full_cpu, full_wall = child_cpu() - cpu, time.monotonic() - wall
    cpu = child_cpu()
    with pytest.raises(EngineTimeout):
        engine.detect_orientation(page, script=True, timeout=full_wall / 8)
    assert child_cpu() - cpu < full_cpu / 2, (full_cpu, full_wall)  # the tesseract process was killed


def test_pdf_rasterisation_is_stopped_at_the_budget(service: OcrService) -> None:
    pdf = poster_pdf()
    cpu, wall = child_cpu(), time.monotonic()
    load(pdf, Settings(), ispdf=True, page=1)
    full_cpu, full_wall = child_cpu() - cpu, time.monotonic() - wall
    cpu = child_cpu()
    with pytest.raises(CosError) as caught:  # not InvalidContent: the PDF is fine, the time was short
        service.recognize_sync(pdf, _request(ispdf="true"), deadline=time.monotonic() + full_wall / 8)
    _assert_timeout(caught)
    assert child_cpu() - cpu < full_cpu / 2, (full_cpu, full_wall)  # pdftoppm was killed


@pytest.fixture(scope="module")
def ppocr() -> Iterator[OcrService]:
    # One worker, one model set, one thread: the next request reads with the very models that were stopped.
    svc = OcrService(Settings(ocr_engine="ppocr", ocr_workers=1, ppocr_threads=1, ocr_timeout=600))
    yield svc
    svc.close()


def _reads_zh(svc: OcrService, manifest: dict[str, Fixture]) -> None:
    fx = manifest["zh.png"]
    assert fx.text is not None and fx.max_cer is not None
    result = svc.recognize_sync(fx.data(), _request())
    assert result.engine == "ppocr" and cer(result.text, fx.text) <= fx.max_cer, result.text


def test_ppocr_request_over_the_limit_is_stopped_and_the_next_one_reads(
    ppocr: OcrService, manifest: dict[str, Fixture]
) -> None:
    data = dense_page(1000)  # 16 lines: detection, then classification and recognition in batches
    cpu, wall = time.process_time(), time.monotonic()
    assert ppocr.recognize_sync(data, _request()).lines
    full_cpu, full_wall = time.process_time() - cpu, time.monotonic() - wall
    for share in (0.1, 0.3):  # in detection, and among the recognition batches
        cpu = time.process_time()
        with pytest.raises(CosError) as caught:
            ppocr.recognize_sync(data, _request(), deadline=time.monotonic() + share * full_wall)
        _assert_timeout(caught)
        # Stopped: well short of a whole reading (wide margins: the machine may be busier or idler now).
        assert time.process_time() - cpu < 0.75 * full_cpu, (share, full_cpu, full_wall)
    _reads_zh(ppocr, manifest)  # the stopped models are not poisoned


def test_ppocr_stops_inside_a_model_run(ppocr: OcrService, manifest: dict[str, Fixture]) -> None:
    engine = ppocr.engine
    assert isinstance(engine, PpocrEngine)
    page = _page(dense_page(800))
    with pytest.raises(EngineTimeout):
        engine.recognize(page, RecognitionPlan("chi_sim+eng", timeout=0.01))
    _reads_zh(ppocr, manifest)


def test_ppocr_waiting_for_a_busy_model_set_is_bounded(ppocr: OcrService) -> None:
    """More callers than model sets (warm-up beside requests): a waiting call ends at its budget."""
    engine = ppocr.engine
    assert isinstance(engine, PpocrEngine)
    page = _page(dense_page(800))
    outcome: list[object] = []
    busy = threading.Thread(target=lambda: outcome.append(engine.recognize(page, RecognitionPlan("eng"))))
    busy.start()
    while engine._idle and busy.is_alive():  # until it holds the only model set
        time.sleep(0.01)
    with pytest.raises(EngineTimeout):
        engine.recognize(page.crop((0, 0, 300, 100)), RecognitionPlan("eng", timeout=0.2))
    assert busy.is_alive()  # it timed out while the other reading went on, not after it
    busy.join()
    assert outcome and isinstance(outcome[0], list) and outcome[0]  # the long reading was not disturbed


def test_closing_the_ppocr_engine_stops_a_reading_in_progress() -> None:
    """Shutdown (OcrService.close) does not wait for a model run: the run in progress is terminated."""
    engine = OcrService(Settings(ocr_engine="ppocr", ocr_workers=1, ppocr_threads=1)).engine
    assert isinstance(engine, PpocrEngine)
    page = _page(dense_page(800))
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(engine.recognize(page, RecognitionPlan("eng")))  # no time limit of its own
        except EngineTimeout as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    while engine._idle and reader.is_alive():  # until it holds the only model set
        time.sleep(0.01)
    engine.close()
    reader.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], EngineTimeout), outcome
    assert "closed" in str(outcome[0])


def test_the_client_gets_its_504_while_a_step_that_cannot_be_interrupted_still_runs(
    manifest: dict[str, Fixture],
) -> None:
    """tesserocr's OSD and Pillow's decoding cannot be stopped half way. The answer does not wait for
    them: the request fails at its limit and the worker stops at its next check. (A blocking engine
    stands in for a step that overruns, which no real input can be made to do at a chosen moment.)"""

    class Stuck(CannedEngine):
        def __init__(self) -> None:
            super().__init__()
            self.entered, self.release, self.left = threading.Event(), threading.Event(), threading.Event()

        def detect_orientation(
            self, image: Image.Image, *, script: bool = False, timeout: float | None = None
        ) -> Orientation | None:
            self.entered.set()
            self.release.wait(30)
            self.left.set()
            return None

    engine = Stuck()
    svc = OcrService(Settings(ocr_workers=1, ocr_timeout=1.0), engine=engine)
    data = manifest["line.bmp"].data()

    async def main() -> None:
        with pytest.raises(CosError) as caught:
            await svc.recognize(data, _request(**{"language-type": "auto"}))
        _assert_timeout(caught)
        assert engine.entered.is_set() and not engine.left.is_set()  # the step is still running

    try:
        anyio.run(main)
    finally:
        engine.release.set()
    for _ in range(500):  # the job then ends at its next check, without reading anything more
        if svc.health()["busy"] == 0:
            break
        time.sleep(0.01)
    assert svc.health()["busy"] == 0 and engine.plans == []
    svc.close()
