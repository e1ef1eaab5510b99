"""The engine interface: one page image in, lines of words with boxes out.

Why an interface: the emulator runs Tesseract two ways (in-process through tesserocr, the default and
about twice as fast; or the `tesseract` CLI through pytesseract, for hosts where the tesserocr wheel
cannot be installed), PP-OCR as a third engine for scene text (ppocr.py), and the tests need a canned
engine that never touches Tesseract. The pipeline
(pipeline.py) does everything else (decoding, rotation, scaling, mapping boxes back to the original
image, building the API's model) so that backends stay small and produce identical shapes.

`recognize(image, plan)` is the workhorse. `detect_orientation(image)` exists beside it because
orientation and script detection (Tesseract's OSD) must run *before* recognition, on the raw page,
to decide how to rotate it and which languages to load; both backends expose it natively.

Contract for `recognize`:
- `image` is an upright RGB or L image; boxes come back in *its* pixel coordinates
  (left, top, width, height), edges not centres.
- `plan.languages` is a Tesseract `-l` value (`chi_sim+eng`); every listed traineddata is installed
  (the pipeline checks first). `plan.psm` is a Tesseract page segmentation mode.
- `plan.variables` are Tesseract parameters to set for this call only.
- Words are returned in reading order grouped into lines; a word's `text` is non-empty.
  `symbols` (per-character boxes and confidences) are filled only when `plan.symbols` is true.
- Confidences are 0-100 floats; rounding to the API's integers happens later.
- `polygon` (optional, on lines, words and symbols) is the engine's own quadrilateral in the same
  coordinates; when present it becomes the API's polygon instead of the box's corners. A line's
  `text` (optional) replaces the words joined by spaces.
- `name` and `version()` identify what produced a result (a result cache keys on both).
- It is called from worker threads, possibly concurrently; an implementation must be thread-safe.
- `plan.timeout` (seconds, None for no limit) bounds the call: the engine stops its work itself
  (tesserocr's monitor deadline, the CLI process killed, PP-OCR's runs terminated) and raises
  `EngineTimeout`. The pipeline passes what is left of the request's `ocr_timeout`, never more.

`detect_orientation(image, timeout=...)` is bounded the same way where the engine can stop it (the
CLI's process is killed). tesserocr's OSD cannot be interrupted (Tesseract has no cancel hook in
layout analysis); it costs at most about a second on the largest page allowed, and it refuses to
start once the budget is spent.
- It raises only for engine failures (a crashed CLI, a broken installation); the pipeline turns
  those into `InternalError`. Bad input was rejected before the engine is called.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from PIL import Image

from cos_ocr_emulator.ocr.orient import Orientation
from cos_ocr_emulator.ocr.result import Box

# A quadrilateral in the engine's image, float pixel coordinates, clockwise from the text's own
# top-left: engines whose detector finds rotated or perspective lines (PP-OCR) return these beside
# the axis-aligned boxes, and the pipeline keeps them as the API's polygons.
RawQuad: TypeAlias = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class RecognitionPlan:
    languages: str
    psm: int = 3
    variables: Mapping[str, str] = field(default_factory=dict)
    symbols: bool = False
    timeout: float | None = None  # seconds this call may take; None: no limit


class EngineTimeout(Exception):
    """Tesseract was stopped because the plan's timeout passed."""


@dataclass(frozen=True)
class RawSymbol:
    text: str
    confidence: float
    box: Box
    polygon: RawQuad | None = None


@dataclass(frozen=True)
class RawWord:
    text: str
    confidence: float
    box: Box
    symbols: tuple[RawSymbol, ...] = ()
    polygon: RawQuad | None = None


@dataclass(frozen=True)
class RawLine:
    box: Box
    words: tuple[RawWord, ...]
    polygon: RawQuad | None = None
    # The line as the engine spelled it, when it knows better than joining the words (PP-OCR keeps
    # its own spacing between CJK and Latin runs).
    text: str | None = None


class OcrEngine(ABC):
    """A Tesseract backend (or a stand-in). See the module docstring for the full contract."""

    name: str = "abstract"
    # Whether `plan.variables` (Tesseract parameters) change what `recognize` returns; when not,
    # the pipeline skips second passes that differ only in them.
    reads_variables: bool = True
    # Whether the engine wants the page in colour and unfiltered: a neural detector trained on photos
    # loses more than it gains from the grayscale, binarization and line removal made for Tesseract.
    wants_colour: bool = False

    @abstractmethod
    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        """Recognize an upright page; lines in reading order, boxes in `image` pixels."""

    @abstractmethod
    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        """Tesseract OSD on the raw page; None when there is too little text to tell.

        `degrees` is the page's clockwise rotation, already 0 when OSD is not confident. `script`
        asks for the script name too (language-type=auto), which may cost more. `timeout`: seconds
        left for the call (None: no limit); past it, `EngineTimeout`.
        """

    def version(self) -> str:
        """Engine and model version: with `name`, the identity of a result (cache keys use both)."""
        return "unknown"

    def warm(self, langs: str, count: int) -> int:
        """Have up to `count` idle instances for `langs` (`chi_sim+eng`) ready; returns how many are idle now.

        `count=0` only reports. Engines without loaded state (one process per call) have nothing to warm.
        """
        return 0

    def engine_for(self, languages: str) -> OcrEngine:
        """The engine that reads `languages` (a Tesseract `-l` value): this one, or a fallback for
        languages its model does not cover (PP-OCR -> Tesseract)."""
        return self

    def close(self) -> None:  # noqa: B027  (a no-op is the right default for stateless engines)
        """Release cached Tesseract instances (the service calls it on shutdown)."""
