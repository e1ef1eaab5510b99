"""`OcrService`: the one entry point of the HTTP handler, bytes + OcrRequest -> OcrResult.

Steps, all in a worker thread (never on the event loop; at most `ocr_workers` at once):
limits and decoding (image.py) -> orientation from OSD and residual skew (orient.py) -> the type's
scaling and pixel filters -> Tesseract (engine/) -> boxes mapped back to the original image.

The five API types are different trade-offs, not aliases (docs/ocr-types.md has the table):
- general: deskew beyond 1°, grayscale, automatic segmentation (PSM 3); the page is read upright
  first and OSD quarter turns are detected only when that reading is unsure or runs vertically.
- accurate: as general plus deskew beyond 0.1°, text under 20 px upscaled to ~40 px lines, and
  always a second pass with Leptonica's Otsu thresholding; the pass with more confident text wins.
- efficient: no OSD or deskew, grayscale, pages above 2400 px scaled down, PSM 3.
- fast: no OSD or deskew, grayscale, pages above 1600 px scaled down, one uniform block (PSM 6).
- handwriting: OSD and deskew, then denoise + Sauvola binarization + ruled-line removal, PSM 6,
  and a second pass on the plain grayscale page when the first one is unsure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
import pytesseract
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr import image as imaging
from cos_ocr_emulator.ocr import languages, orient
from cos_ocr_emulator.ocr.engine import OcrEngine, RawLine, RecognitionPlan, create_engine
from cos_ocr_emulator.ocr.lines import build_lines
from cos_ocr_emulator.ocr.request import PDF_TYPES, OcrRequest
from cos_ocr_emulator.ocr.result import OcrResult

TARGET_LINE_HEIGHT = 40  # px: where Tesseract's LSTM reads best (it was trained on ~36-48 px lines)
UPSCALE_BELOW = 20  # px: line height under which accurate upscales (bigger text only gains noise)
MAX_UPSCALE = 4.0
MAX_ENGINE_PIXELS = 16_000_000  # upscaling never produces a page bigger than this


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


# What one reading produced: language code, raw lines, original->corrected transform, engine scale
# factor, and the total angle (quarter turn + skew) that was corrected.
_Attempt = tuple[str, list[RawLine], orient.Affine, float, float]

# A reading "looks upright" when it is confident and its lines run horizontally. Tesseract's own layout
# analysis reads a page turned 90° with full confidence (as vertical lines), and an upside-down page
# with low confidence, so both checks are needed.
UPRIGHT_MIN_CONFIDENCE = 75.0
UPRIGHT_MIN_CHARS = 8


PROFILES = {
    "general": Profile(osd=True, min_skew=1.0, upright_first=True),
    "accurate": Profile(osd=True, min_skew=0.1, upscale=True, retry={"thresholding_method": "1"}, retry_below=101),
    "efficient": Profile(osd=False, min_skew=None, max_side=2400),
    "fast": Profile(osd=False, min_skew=None, max_side=1600, psm=6),
    "handwriting": Profile(osd=True, min_skew=0.3, mode="handwriting", psm=6, retry={}, retry_gray=True),
}


class OcrService:
    """Owns the engine (and its warm Tesseract instances) and the worker limit. One per app."""

    def __init__(self, settings: Settings, *, engine: OcrEngine | None = None) -> None:
        self.settings = settings
        self.workers = settings.ocr_workers or os.cpu_count() or 1
        self.engine = engine if engine is not None else create_engine(settings, self.workers)
        self._limiter: anyio.CapacityLimiter | None = None

    async def recognize(self, data: bytes, req: OcrRequest) -> OcrResult:
        """Recognize `data` as `req` asks; raises CosError for anything the client got wrong."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        return await anyio.to_thread.run_sync(self.recognize_sync, data, req, limiter=self._limiter)

    def recognize_sync(self, data: bytes, req: OcrRequest) -> OcrResult:
        """The blocking pipeline; public for benchmarks and for tests that have no event loop."""
        code = req.language_type
        if code != "auto":
            languages.require_installed(languages.tesseract_languages(code), code)
        if req.type not in PDF_TYPES and imaging.is_pdf(data):
            raise CosError(
                "InvalidArgument",
                f"type={req.type} cannot read a PDF; PDF recognition (ispdf=true) is for type general or fast.",
            )
        loaded = imaging.load(data, self.settings, ispdf=req.ispdf, page=req.pdf_pagenumber)
        profile = PROFILES[req.type]
        page = loaded.image
        has_osd = "osd" in languages.installed_languages()
        upright: _Attempt | None = None
        if profile.upright_first and code != "auto" and has_osd:
            # Most pages are upright: read them as they are and pay for OSD (~0.2-0.4 s on a dense
            # page) only when the reading says otherwise.
            upright = self._attempt(page, 0, None, profile, code, req)
            if _looks_upright(upright[1]):
                return self._finish(upright, req, loaded.pdf_page_size)
        found = None
        if (profile.osd or code == "auto") and has_osd:
            with _engine_errors():
                found = self.engine.detect_orientation(page.convert("L"), script=code == "auto")
        quarter = found.degrees if found is not None and profile.osd else 0
        if upright is not None and quarter == 0:
            return self._finish(upright, req, loaded.pdf_page_size)  # OSD agrees: that reading stands
        attempt = self._attempt(page, quarter, found.script if found else None, profile, code, req)
        return self._finish(attempt, req, loaded.pdf_page_size)

    def _attempt(
        self, page: Image.Image, quarter: int, script: str | None, profile: Profile, code: str, req: OcrRequest
    ) -> _Attempt:
        """Turn the page a quarter turn, deskew, scale and filter it, and read it."""
        to_corrected, page = _rotate(page, quarter)
        skew = 0.0
        if profile.min_skew is not None:
            skew = orient.estimate_skew(page.convert("L"))
            if abs(skew) >= profile.min_skew:
                step, page = _rotate(page, skew)
                to_corrected = to_corrected.then(step)
        factor = _scale_factor(page, profile)
        scaled = imaging.resize(page, factor)
        pages = (_filter(scaled, profile.mode), scaled.convert("L") if profile.retry_gray else None)
        code, raw = self._read(pages, profile, code, script, req, colour=scaled)
        return code, raw, to_corrected, factor, quarter + skew

    def _finish(self, attempt: _Attempt, req: OcrRequest, pdf_page_size: int) -> OcrResult:
        code, raw, to_corrected, factor, angle = attempt
        engine_to_corrected = orient.scaling(factor).inverse()
        lines = build_lines(
            raw,
            to_original=engine_to_corrected.then(to_corrected.inverse()),
            to_corrected=engine_to_corrected,
            words=req.isword,
            word_polygons=req.enable_word_polygon,
        )
        engine = self.engine.engine_for(languages.tesseract_languages(code))
        return OcrResult(lines, code, orient.normalize_angle(angle), pdf_page_size, engine=engine.name)

    def _read(
        self,
        pages: tuple[Image.Image, Image.Image | None],
        profile: Profile,
        code: str,
        script: str | None,
        req: OcrRequest,
        colour: Image.Image | None = None,
    ) -> tuple[str, list[RawLine]]:
        """Run the engine; resolves language-type=auto and does accurate's second pass."""
        symbols = req.isword or req.enable_word_polygon
        latin_pass = False
        if code == "auto":
            code = languages.for_script(script) or "zh"
            latin_pass = script == "Latin"
        langs = "eng" if latin_pass else languages.tesseract_languages(code)
        languages.require_installed(langs, code)
        page, alternate = pages
        plan = RecognitionPlan(langs, profile.psm, profile.variables, symbols)
        engine = self.engine.engine_for(langs)
        if engine.wants_colour and colour is not None:  # a neural engine reads the unfiltered page
            page, alternate = colour, None
        with _engine_errors():
            raw = engine.recognize(page, plan)
            if latin_pass:
                guess = languages.guess_latin(" ".join(w.text for line in raw for w in line.words))
                if guess is not None:
                    code, langs = guess, languages.tesseract_languages(guess)
                    languages.require_installed(langs, code)
                    engine = self.engine.engine_for(langs)
                    raw = engine.recognize(page, RecognitionPlan(langs, profile.psm, profile.variables, symbols))
            # A second pass that only changes Tesseract variables is pointless on engines that ignore them.
            retry = profile.retry is not None and (engine.reads_variables or alternate is not None)
            if retry and profile.retry is not None and _mean_confidence(raw) < profile.retry_below:
                variables = {**profile.variables, **profile.retry}
                second_plan = RecognitionPlan(langs, profile.psm, variables, symbols)
                second = engine.recognize(alternate or page, second_plan)
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
            "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
        }

    def close(self) -> None:
        self.engine.close()


@contextmanager
def _engine_errors() -> Iterator[None]:
    """The one boundary for engine failures: a broken installation, never the client's fault."""
    try:
        yield
    except (RuntimeError, OSError, pytesseract.TesseractError, pytesseract.TesseractNotFoundError) as exc:
        raise CosError("InternalError", f"The OCR engine failed: {exc}") from exc


def _rotate(page: Image.Image, angle: float) -> tuple[orient.Affine, Image.Image]:
    if angle == 0:
        return orient.Affine(), page
    transform, width, height = orient.correction(page.width, page.height, angle)
    white = 255 if page.mode == "L" else (255, 255, 255)
    return transform, orient.apply(page, transform, (width, height), white)


def _scale_factor(page: Image.Image, profile: Profile) -> float:
    factor = 1.0
    if profile.max_side is not None:
        factor = imaging.downscale_factor(page, profile.max_side)
    if profile.upscale:
        height = imaging.line_height(page.convert("L"))
        if height is not None and height < UPSCALE_BELOW:
            ceiling = (MAX_ENGINE_PIXELS / max(1, page.width * page.height)) ** 0.5
            factor = max(1.0, min(TARGET_LINE_HEIGHT / height, MAX_UPSCALE, ceiling))
    return factor


def _filter(page: Image.Image, mode: str) -> Image.Image:
    if mode == "handwriting":
        return imaging.clean_handwriting(page)
    return page.convert(mode)


def _score(raw: list[RawLine]) -> float:
    """Confidently read characters: a pass that drops a line scores lower even if it is surer."""
    return sum(word.confidence * len(word.text) for line in raw for word in line.words) / 100


def _looks_upright(raw: list[RawLine]) -> bool:
    chars = sum(len(word.text) for line in raw for word in line.words)
    if chars < UPRIGHT_MIN_CHARS or _mean_confidence(raw) < UPRIGHT_MIN_CONFIDENCE:
        return False
    wide = sum(line.box.width for line in raw if line.box.width >= line.box.height)
    tall = sum(line.box.height for line in raw if line.box.height > line.box.width)
    # Engines with their own line direction (PP-OCR flips single upside-down lines) read a page that is
    # upside down with full confidence; its lines then run right to left.
    backwards = sum(line.box.width for line in raw if line.polygon and line.polygon[1][0] < line.polygon[0][0])
    return wide > tall and 2 * backwards < wide


def _mean_confidence(raw: list[RawLine]) -> float:
    confidences = [word.confidence for line in raw for word in line.words]
    return sum(confidences) / len(confidences) if confidences else 0.0
