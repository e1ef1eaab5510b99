"""`OcrService`: the one entry point of the HTTP handler, bytes + OcrRequest -> OcrResult.

Steps, all on an OCR worker thread (never on the event loop; at most `ocr_workers` at once), within
`ocr_timeout` seconds: limits and decoding (image.py) -> a big page scaled to its text size
(resolution.py), with its paper found on a thumbnail and its table painted after the downscale
(paper.py) -> orientation (a turned page guessed from its ink projections, projection.py;
OSD, or readings of the quarter turns when OSD is unsure, turns.py) and residual skew (orient.py)
-> the type's resolution and pixel filters -> Tesseract (engine/) -> boxes mapped back to the
original image. A photographed page of ordinary size is painted and read again only when the
reading as it is does not look upright.

The five API types are different trade-offs, not aliases (docs/ocr-types.md has the table):
- general: deskew beyond 1°, grayscale, automatic segmentation (PSM 3); the page is read upright
  first and OSD quarter turns are detected only when that reading is unsure or runs vertically.
- accurate: as general plus deskew beyond 0.1°, text under 20 px upscaled to ~40 px lines, and
  always a second pass with Leptonica's Otsu thresholding; the pass with more confident text wins.
- efficient: no deskew, grayscale, pages above 2400 px scaled down, PSM 3; OSD only when the
  reading is doubtful.
- fast: as efficient but pages above 1600 px scaled down, one uniform block (PSM 6).
- handwriting: OSD and deskew, then denoise + Sauvola binarization + ruled-line removal, PSM 6,
  and a second pass on the plain grayscale page when the first one is unsure.
  fast and handwriting switch to PSM 3 on a page with column gutters (image.column_count), so
  that no line reads across a gutter.
Every type reads a page turned a quarter or half turn: when OSD cannot vouch for the orientation
and the reading looks doubtful, the turns are compared by cheap readings. On pages over 2000 px
every type first scales text lines taller than 50 px down to ~40 px, so a 12-megapixel photo costs
each type about what a phone screenshot costs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytesseract
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr import auto, languages, orient, paper, projection, resolution, turns
from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr.engine import EngineTimeout, OcrEngine, RawLine, RecognitionPlan, create_engine
from cos_ocr_emulator.ocr.lines import build_lines
from cos_ocr_emulator.ocr.request import PDF_TYPES, OcrRequest
from cos_ocr_emulator.ocr.result import OcrResult
from cos_ocr_emulator.ocr.workers import Overdue, Workers

RESCUE_MIN_SKEW = 1.0  # degrees: efficient/fast straighten a page that read as nothing beyond this
TURN_TEST_SIDE = 1000  # px: the cheap readings that compare quarter turns use at most this side
TURN_TEST_BAND = 320  # px: and only a horizontal band this tall through the middle of the turned page
UNIFORM_BLOCK = 6  # Tesseract PSM: fast and handwriting read the page as one block of text


@dataclass(frozen=True)
class Profile:
    osd: bool
    min_skew: float | None  # None: no deskew; else correct skews at least this large (degrees)
    max_side: int | None = None
    upscale: bool = False
    mode: str = "L"  # "L", "RGB" or "handwriting"
    psm: int = 3
    variables: dict[str, str] = field(default_factory=dict)
    # A second pass when the first one's mean word confidence is below `retry_below` (101: always):
    # Tesseract variables for it, and whether it reads the plain grayscale page instead of the
    # filtered one. The pass with more confidently read characters wins.
    retry: dict[str, str] | None = None
    retry_gray: bool = False
    retry_below: float = 70.0
    # Read the page as it is first and run OSD only if that reading does not look upright.
    upright_first: bool = False
    # Paint the table around a photographed page before the first reading, not only when the page
    # read as it is does not look upright: handwriting's binarization turns a table into a field of
    # noise that costs seconds to read (receipt_grey.jpg: 1.3 s for nothing, 0.4 s painted).
    isolate_first: bool = False


@dataclass(frozen=True)
class _Attempt:
    """What one reading produced: language code, raw lines, original->corrected transform, engine
    scale factor, and the angle actually corrected (quarter turn + the skew that was undone)."""

    code: str
    raw: list[RawLine]
    to_corrected: orient.Affine
    factor: float
    angle: float


@dataclass(frozen=True)
class _Job:
    req: OcrRequest
    profile: Profile
    deadline: float  # time.monotonic() by which the request must be answered
    timeout: float  # the configured ocr_timeout, for the error message

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _timeout(self.timeout)
        return left


def _timeout(limit: float) -> CosError:
    return CosError(
        "ProcessTimeout", f"OCR did not finish within ocr_timeout={limit:g} seconds; the job was cancelled."
    )


PROFILES = {
    "general": Profile(osd=True, min_skew=1.0, upright_first=True),
    "accurate": Profile(osd=True, min_skew=0.1, upscale=True, retry={"thresholding_method": "1"}, retry_below=101),
    "efficient": Profile(osd=False, min_skew=None, max_side=2400),
    "fast": Profile(osd=False, min_skew=None, max_side=1600, psm=UNIFORM_BLOCK),
    "handwriting": Profile(
        osd=True, min_skew=0.3, mode="handwriting", psm=UNIFORM_BLOCK, retry={}, retry_gray=True, isolate_first=True
    ),
}


class OcrService:
    """Owns the engine (and its warm Tesseract instances) and the worker threads. One per app."""

    def __init__(self, settings: Settings, *, engine: OcrEngine | None = None) -> None:
        self.settings = settings
        self.workers = settings.ocr_workers or os.cpu_count() or 1
        self.engine = engine if engine is not None else create_engine(settings, self.workers)
        self._threads = Workers(self.workers)

    async def recognize(self, data: bytes, req: OcrRequest) -> OcrResult:
        """Recognize `data` as `req` asks; raises CosError for anything the client got wrong."""
        deadline = time.monotonic() + self.settings.ocr_timeout  # queueing counts against the limit
        try:  # answered at the deadline even while a step that cannot be interrupted runs on
            return await self._threads.run(lambda: self.recognize_sync(data, req, deadline=deadline), deadline)
        except Overdue as exc:
            raise _timeout(self.settings.ocr_timeout) from exc

    def recognize_sync(self, data: bytes, req: OcrRequest, *, deadline: float | None = None) -> OcrResult:
        """The blocking pipeline; public for benchmarks and for tests that have no event loop."""
        limit = self.settings.ocr_timeout
        job = _Job(req, PROFILES[req.type], deadline or time.monotonic() + limit, limit)
        job.remaining()
        code = req.language_type
        if code != "auto":
            languages.require_installed(languages.tesseract_languages(code), code)
        if req.type not in PDF_TYPES and imaging.is_pdf(data):
            raise CosError(
                "InvalidArgument",
                f"type={req.type} cannot read a PDF; PDF recognition (ispdf=true) is for type general or fast.",
            )
        with _engine_errors(limit):  # poppler gets the time left
            loaded = imaging.load(
                data, self.settings, ispdf=req.ispdf, page=req.pdf_pagenumber, timeout=job.remaining()
            )
        job.remaining()
        page, profile = loaded.image, job.profile
        if not self.engine.wants_colour and max(page.size) > resolution.DOWNSCALE_PAGES_ABOVE:
            # Tesseract reads grey: converted first, a big photo's scaling, painting and rotation
            # handle a third of the pixels. A page of ordinary size stays in colour until it is read:
            # converting it earlier saves a few milliseconds but shifts pixels by rounding, and
            # Tesseract's readings swing with that (handwriting.jpg in accurate: CER 0.167 -> 0.205;
            # photo_en.jpg in accurate: Leptonica's Otsu pass read text instead of nothing, +0.1 s).
            page = page.convert("L")
        # A big photo's paper is found at once, on a thumbnail: its line height is measured with the
        # table painted, and the table is painted only after the page has been scaled down.
        eager = max(page.size) > resolution.DOWNSCALE_PAGES_ABOVE or profile.isolate_first
        found_paper = paper.find_paper(page) if eager else None
        prescale, skew = resolution.prescale(page, found_paper)
        if profile.max_side is not None:
            prescale = min(prescale, imaging.downscale_factor(page, profile.max_side))
        page = imaging.resize(page, prescale)
        if found_paper is not None:
            page = paper.paint_table(page, found_paper)
        attempt = self._orient_and_read(page, job, skew)
        if not eager and not turns.looks_upright(attempt.raw):
            # A page of ordinary size is read as it is first: painting the table costs Tesseract
            # time on every photo whose paper it already tells from the table (photo_en.jpg: +20%),
            # and is needed only where Otsu splits table from paper and the page reads as nothing
            # or as junk (a receipt on a wooden table).
            found_paper = paper.find_paper(page)
            if found_paper is not None:
                isolated = self._orient_and_read(paper.paint_table(page, found_paper), job, None)
                if turns.score(isolated.raw) > turns.score(attempt.raw):
                    attempt = isolated
        return self._finish(_in_original_scale(attempt, prescale), req, loaded.pdf_page_size)

    def _orient_and_read(self, page: Image.Image, job: _Job, skew: float | None) -> _Attempt:
        """Find the quarter turn (the ink's guess, confirmed by its reading; else OSD, or readings of
        the turns when OSD is unsure) and read the page."""
        job.remaining()
        profile, code, limit = job.profile, job.req.language_type, job.timeout
        has_osd = "osd" in languages.installed_languages()
        attempt: _Attempt | None = None
        if code != "auto":
            # A page whose ink plainly says it is turned (a few ms of projections) is read turned
            # first, and kept if that reading looks upright: no reading of garbage, no OSD (which
            # on short text is unsure, and then handwriting returned the garbage).
            likely = projection.likely_turn(page.convert("L"))
            tries = () if likely is None else (likely, (likely + 180) % 360) if likely != 180 else (180,)
            for turn in tries:
                attempt = self._attempt(page, turn, None, job)
                if turns.looks_upright(attempt.raw):
                    return attempt
            attempt = None
        if profile.upright_first and code != "auto" and has_osd:
            # Most pages are upright: read them as they are and pay for OSD (~0.2-0.4 s on a dense
            # page) only when the reading says otherwise.
            attempt = self._attempt(page, 0, None, job, skew=skew)
            if turns.looks_upright(attempt.raw):
                return attempt
        found = None
        if (profile.osd or code == "auto") and has_osd:
            with _engine_errors(limit):
                found = self.engine.detect_orientation(
                    page.convert("L"), script=code == "auto", timeout=job.remaining()
                )
        sure = found is not None and found.confidence >= orient.MIN_OSD_CONFIDENCE
        quarter = found.degrees if found is not None and sure and profile.osd else 0
        script = found.script if found is not None else None
        if attempt is None or quarter != 0:
            confidence = found.script_confidence if found else 0.0
            attempt = self._attempt(page, quarter, script, job, confidence, skew=skew if quarter == 0 else None)
        doubtful = turns.doubtful(attempt.raw)
        if doubtful and not profile.osd and has_osd:
            # efficient and fast skip OSD while the reading is plausible. A doubtful one asks OSD
            # first: on a page of text it is sure at a fraction of the cost of the four turn
            # readings (which, in fast's one-block mode, cost seconds on sideways text).
            if found is None:
                with _engine_errors(limit):
                    found = self.engine.detect_orientation(page.convert("L"), timeout=job.remaining())
            sure = found is not None and found.confidence >= orient.MIN_OSD_CONFIDENCE
            if found is not None and sure and found.degrees != quarter:
                quarter = found.degrees
                attempt = self._attempt(page, quarter, script, job)
        if not sure and doubtful:
            # OSD cannot vouch for the orientation and the reading looks turned: compare the turns.
            turn = turns.best_turn(quarter, *self._cheap_readers(page, quarter, attempt.code, job))
            if turn != quarter:
                attempt = self._attempt(page, turn, script, job)
        if not attempt.raw and profile.min_skew is None:
            # efficient and fast skip deskew, but a photo tilted a few degrees can read as nothing
            # at all; only then is the skew measured and the page read once more, straightened.
            tilted = replace(job, profile=replace(profile, min_skew=RESCUE_MIN_SKEW))
            attempt = self._attempt(page, int(attempt.angle), script, tilted)
        return attempt

    def _cheap_readers(
        self, page: Image.Image, current: int, code: str, job: _Job
    ) -> tuple[list[RawLine], Callable[[int], list[RawLine]]]:
        """One-pass grayscale readings of the page turned each way: a band through the middle of a copy of
        at most TURN_TEST_SIDE, enough lines to tell the turns apart at a fraction of a page's cost."""
        small = imaging.resize(page.convert("L"), imaging.downscale_factor(page, TURN_TEST_SIDE))
        plan_langs = languages.tesseract_languages(code)

        def read(turn: int) -> list[RawLine]:
            turned = resolution.rotate(small, turn)[1]
            if turned.height > TURN_TEST_BAND:
                top = (turned.height - TURN_TEST_BAND) // 2
                turned = turned.crop((0, top, turned.width, top + TURN_TEST_BAND))
            plan = RecognitionPlan(plan_langs, job.profile.psm, job.profile.variables, False, job.remaining())
            with _engine_errors(job.timeout):
                return self.engine.recognize(turned, plan)

        return read(current), read

    def _attempt(
        self,
        page: Image.Image,
        quarter: int,
        script: str | None,
        job: _Job,
        script_confidence: float = 0.0,
        *,
        skew: float | None = None,
    ) -> _Attempt:
        """Turn the page a quarter turn, deskew (by `skew` when it was already measured on the
        upright page), scale and filter it, and read it."""
        profile = job.profile
        job.remaining()
        to_corrected, page = resolution.rotate(page, quarter)
        angle = float(quarter)
        if profile.min_skew is not None:
            if skew is None:
                skew = orient.estimate_skew(page.convert("L"))
            if abs(skew) >= profile.min_skew:
                if profile.mode == "handwriting" and not self.engine.wants_colour:
                    # Binarized next anyway: a third of the pixels to resample. The other types keep
                    # the colours (resampled grey, handwriting.jpg in accurate reads at CER 0.205, not 0.167).
                    page = page.convert("L")
                step, page = resolution.rotate(page, skew)
                to_corrected = to_corrected.then(step)
                angle += skew  # Angel is what was corrected, so it agrees with ItemPolygon
        factor = resolution.scale_factor(page, profile.max_side, profile.upscale)
        scaled = imaging.resize(page, factor)
        job.remaining()
        if profile.psm == UNIFORM_BLOCK and imaging.column_count(scaled.convert("L")) > 1:
            # One uniform block reads straight across a column gutter; layout analysis reads the
            # columns one after another. Only paid for when a gutter is there.
            job = replace(job, profile=replace(profile, psm=3))
        pages = (_filter(scaled, profile.mode), scaled.convert("L") if profile.retry_gray else None)
        code, raw = self._read(pages, job, script, script_confidence, colour=scaled)
        return _Attempt(code, raw, to_corrected, factor, angle)

    def _finish(self, attempt: _Attempt, req: OcrRequest, pdf_page_size: int) -> OcrResult:
        engine_to_corrected = orient.scaling(attempt.factor).inverse()
        lines = build_lines(
            attempt.raw,
            to_original=engine_to_corrected.then(attempt.to_corrected.inverse()),
            to_corrected=engine_to_corrected,
            words=req.isword,
            word_polygons=req.enable_word_polygon,
        )
        engine = self.engine.engine_for(languages.tesseract_languages(attempt.code))
        return OcrResult(lines, attempt.code, orient.normalize_angle(attempt.angle), pdf_page_size, engine=engine.name)

    def _read(
        self,
        pages: tuple[Image.Image, Image.Image | None],
        job: _Job,
        script: str | None,
        script_confidence: float,
        colour: Image.Image | None = None,
    ) -> tuple[str, list[RawLine]]:
        """Run the engine; resolves language-type=auto and does the profile's second pass."""
        profile, req = job.profile, job.req
        symbols = req.isword or req.enable_word_polygon
        page, alternate = pages

        def recognize(langs: str, variables: dict[str, str], image: Image.Image) -> list[RawLine]:
            plan = RecognitionPlan(langs, profile.psm, variables, symbols, job.remaining())
            engine = self.engine.engine_for(langs)
            if engine.wants_colour and colour is not None and image is page:  # a neural engine reads the
                image = colour  # unfiltered page
            return engine.recognize(image, plan)

        with _engine_errors(job.timeout):
            code = req.language_type
            if code == "auto":
                code, raw = auto.read_auto(script, script_confidence, lambda langs: recognize(
                    langs, dict(profile.variables), page))  # fmt: skip
            else:
                raw = recognize(languages.tesseract_languages(code), dict(profile.variables), page)
            langs = languages.tesseract_languages(code)
            engine = self.engine.engine_for(langs)
            if engine.wants_colour and colour is not None:
                alternate = None
            # A second pass that only changes Tesseract variables is pointless on engines that ignore them.
            retry = profile.retry is not None and (engine.reads_variables or alternate is not None)
            if retry and profile.retry is not None and turns.mean_confidence(raw) < profile.retry_below:
                second = recognize(langs, {**profile.variables, **profile.retry}, alternate or page)
                if _score(second) > _score(raw):
                    raw = second
        return code, raw

    def health(self) -> dict[str, Any]:
        """What /_emulator/health shows about OCR."""
        try:
            version = self.engine.version()
            tesseract = self.engine.engine_for("osd").version()  # PP-OCR's fallback and OSD engine
        except (RuntimeError, OSError, pytesseract.TesseractError) as exc:
            version = tesseract = f"unavailable: {exc}"
        return {
            "engine": self.engine.name,
            "engine_version": version,
            "tesseract": tesseract,
            "tessdata": str(languages.tessdata_dir()),
            "languages": sorted(languages.installed_languages()),
            "workers": self.workers,
            "busy": self._threads.busy,
            "ocr_timeout": self.settings.ocr_timeout,
            "engine_cache": self.settings.ocr_engine_cache,
            "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
        }

    def close(self) -> None:
        """Stop taking jobs, fail the queued ones, release idle Tesseract instances."""
        self._threads.close()
        self.engine.close()


@contextmanager
def _engine_errors(limit: float) -> Iterator[None]:
    """The one boundary for engine failures: a timeout, or a broken installation (never the client's fault)."""
    try:
        yield
    except EngineTimeout as exc:
        raise _timeout(limit) from exc
    except (RuntimeError, OSError, pytesseract.TesseractError, pytesseract.TesseractNotFoundError) as exc:
        raise CosError("InternalError", f"The OCR engine failed: {exc}") from exc


def _in_original_scale(attempt: _Attempt, prescale: float) -> _Attempt:
    """An attempt on the prescaled page, with its transforms restated for the page the client sent."""
    if prescale == 1.0:
        return attempt
    to_corrected = orient.scaling(prescale).then(attempt.to_corrected).then(orient.scaling(1 / prescale))
    return replace(attempt, to_corrected=to_corrected, factor=attempt.factor * prescale)


def _filter(page: Image.Image, mode: str) -> Image.Image:
    if mode == "handwriting":
        return imaging.clean_handwriting(page)
    return page.convert(mode)


def _score(raw: list[RawLine]) -> float:
    """Confidently read characters: a pass that drops a line scores lower even if it is surer."""
    return sum(word.confidence * len(word.text) for line in raw for word in line.words) / 100
