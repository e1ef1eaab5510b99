"""PP-OCRv4 through ONNX Runtime (the `ppocr` extra: PyPI `rapidocr-onnxruntime`, models in the wheel).

Why a second engine: Tesseract reads documents well but returns nothing or garbage on Chinese text in
photos, posters and signs, which the real service (a deep-learning OCR) reads. PP-OCR is three small
networks: a text detector (DB) that finds each line as a quadrilateral, a direction classifier that
flips single upside-down lines, and a CTC recognizer. It reads Chinese and English only, so plans
for other languages go to the Tesseract engine it wraps (`engine_for`), which also answers
`detect_orientation`: whole-page quarter turns stay the pipeline's decision, as for Tesseract.

Geometry: each detected quadrilateral is cut out with a perspective warp (vertical lines are turned
a quarter, upside-down ones half a turn by the classifier) and recognized; character positions from
the CTC alignment (ctc.py) are mapped back through the inverse of exactly those steps, so line,
word and character polygons are real quadrilaterals in the engine's image.

Cost: the models load once per model set (about 0.2 s, 60 MB); a bounded pool keeps one set per
concurrent worker, each session limited to `ppocr_threads` threads, so N workers never ask for
more than N x threads cores.

Time limit (`plan.timeout`): checked before and between detection, classification, each
recognition batch and the alignment of each line; a model run in progress is stopped at the
deadline too (ortrun.py), and by `close()`, so shutdown does not wait for a reading either.
"""

from __future__ import annotations

import importlib.metadata
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime
from PIL import Image
from rapidocr_onnxruntime import RapidOCR

from cos_ocr_emulator.ocr.engine import ctc
from cos_ocr_emulator.ocr.engine.base import (
    EngineTimeout,
    OcrEngine,
    RawLine,
    RawQuad,
    RawSymbol,
    RawWord,
    RecognitionPlan,
)
from cos_ocr_emulator.ocr.engine.ortrun import Run, Session
from cos_ocr_emulator.ocr.orient import Orientation
from cos_ocr_emulator.ocr.result import Box

# Tesseract languages the recognizer's dictionary covers (6623 characters: simplified Chinese, Latin
# letters without accents, digits, punctuation). Anything else falls back to Tesseract.
COVERED = frozenset({"chi_sim", "eng"})
# The detector sees pages scaled so that their longer side is at most this (PaddleOCR's own default;
# RapidOCR's "shorter side at least 736" upscales small images up to 5x and costs 2-10x more).
DET_LIMIT = 960
MIN_TEXT_SCORE = 0.5  # lines the recognizer is less sure of are dropped (PP-OCR's default)
REC_BATCH = 6
REC_HEIGHT = 48
REC_MIN_RATIO = 320 / 48  # the recognizer's input is at least this wide (PP-OCRv4 rec_img_shape)


def model_version() -> str:
    return (
        f"PP-OCRv4 (rapidocr-onnxruntime {importlib.metadata.version('rapidocr-onnxruntime')}, "
        f"onnxruntime {onnxruntime.__version__})"
    )


@dataclass(frozen=True)
class _Crop:
    """One detected line cut out for the recognizer, and how to map crop points back to the page."""

    image: np.ndarray  # BGR, as the recognizer reads it (after the quarter turn and the flip)
    to_page: np.ndarray  # 3x3 homography: unturned crop -> page
    quarter: bool  # turned a quarter anticlockwise (a vertical line)
    flipped: bool = False  # turned half a turn by the direction classifier

    def point(self, u: float, v: float) -> tuple[float, float]:
        height, width = self.image.shape[:2]
        if self.flipped:
            u, v = width - u, height - v
        if self.quarter:  # np.rot90: the crop's top-right corner became the top-left
            u, v = height - v, u
        x, y, w = self.to_page @ np.array([u, v, 1.0])
        return float(x / w), float(y / w)

    def quad(self, left: float, right: float) -> RawQuad:
        """The page quadrilateral of crop columns [left, right), clockwise from the text's top-left."""
        height = float(self.image.shape[0])
        return (self.point(left, 0), self.point(right, 0), self.point(right, height), self.point(left, height))


class _Models:
    """One detector + classifier + recognizer session set; used by one thread at a time."""

    def __init__(self, threads: int) -> None:
        self.ocr = RapidOCR(
            intra_op_num_threads=threads, inter_op_num_threads=1, det_limit_type="max", det_limit_side_len=DET_LIMIT
        )
        self.alphabet: list[str] = list(self.ocr.text_rec.postprocess_op.character)
        # RapidOCR calls `infer` (detector, classifier); the recognizer's batches are run here.
        self.sessions = (
            Session(self.ocr.text_det.infer.session),
            Session(self.ocr.text_cls.infer.session),
            Session(self.ocr.text_rec.session.session),
        )
        self.ocr.text_det.infer, self.ocr.text_cls.infer, self.rec = self.sessions

    def bind(self, run: Run | None) -> None:
        for session in self.sessions:
            session.run = run

    def detect(self, bgr: np.ndarray) -> list[np.ndarray]:
        height, width = bgr.shape[:2]
        pad = _letterbox(height, width)
        padded = cv2.copyMakeBorder(bgr, pad, pad, 0, 0, cv2.BORDER_REPLICATE) if pad else bgr
        boxes, _ = self.ocr.text_det(padded)
        if boxes is None or len(boxes) == 0:
            return []
        out = []
        for box in RapidOCR.sorted_boxes(np.asarray(boxes)):
            points = np.array(box, dtype=np.float32)
            points[:, 1] -= pad
            points[:, 0] = np.clip(points[:, 0], 0, width)
            points[:, 1] = np.clip(points[:, 1], 0, height)
            out.append(points)
        return out

    def classify(self, crops: list[_Crop]) -> list[_Crop]:
        images, results, _ = self.ocr.text_cls([c.image for c in crops])
        threshold = self.ocr.text_cls.cls_thresh
        return [
            _Crop(image, c.to_page, c.quarter, "180" in label and score > threshold)
            for c, image, (label, score) in zip(crops, images, results, strict=True)
        ]

    def recognize(self, crops: list[_Crop], check: Callable[[], None]) -> list[tuple[np.ndarray, float]]:
        """Per crop: the (timesteps, classes) probabilities and crop pixels per timestep."""
        rec = self.ocr.text_rec
        ratios = [c.image.shape[1] / max(1, c.image.shape[0]) for c in crops]
        order = np.argsort(ratios)
        out: list[tuple[np.ndarray, float]] = [(np.zeros((0, 0)), 1.0)] * len(crops)
        for start in range(0, len(crops), REC_BATCH):
            check()
            batch = [int(i) for i in order[start : start + REC_BATCH]]
            widest = max(REC_MIN_RATIO, *(ratios[i] for i in batch))
            inputs = np.stack([rec.resize_norm_img(crops[i].image, widest) for i in batch]).astype(np.float32)
            probabilities = self.rec(inputs)[0]
            padded = inputs.shape[3]
            for row, i in enumerate(batch):
                resized = min(padded, math.ceil(REC_HEIGHT * ratios[i]))
                stride = padded / probabilities.shape[1] * crops[i].image.shape[1] / resized
                out[i] = (probabilities[row], stride)
        return out


def _letterbox(height: int, width: int) -> int:
    """Rows to add above and below very flat images (the detector misses text on them otherwise)."""
    if height > 30 and width / height <= 8:
        return 0
    return max(0, (max(int(width / 8), 30) * 2 - height) // 2)


def _crop(bgr: np.ndarray, quad: np.ndarray) -> _Crop:
    width = max(1, int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))))
    height = max(1, int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    forward = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    image = cv2.warpPerspective(bgr, forward, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    quarter = height / width >= 1.5
    if quarter:
        image = np.ascontiguousarray(np.rot90(image))
    return _Crop(image, np.linalg.inv(forward), quarter)


def _bounds(quad: RawQuad) -> Box:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    left, top = math.floor(min(xs)), math.floor(min(ys))
    return Box(left, top, math.ceil(max(xs)) - left, math.ceil(max(ys)) - top)


def _line(crop: _Crop, probabilities: np.ndarray, stride: float, alphabet: list[str]) -> RawLine | None:
    emissions = ctc.decode(probabilities, alphabet)
    if not emissions or np.mean([e.confidence for e in emissions]) < MIN_TEXT_SCORE:
        return None
    gray = cv2.cvtColor(crop.image, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    ink = ctc.ink_profile(gray)
    glyphs = ctc.place(emissions, stride, width, height, ink)
    if not glyphs:
        return None
    raw_words = []
    for word in ctc.words(emissions, glyphs, ink, height):
        symbols = tuple(
            RawSymbol(g.char, 100 * g.confidence, _bounds(q), q)
            for g in word.glyphs
            for q in [crop.quad(g.left, g.right)]
        )
        quad = crop.quad(word.glyphs[0].left, word.glyphs[-1].right)
        raw_words.append(RawWord(word.text, 100 * word.confidence, _bounds(quad), symbols, quad))
    outline = crop.quad(0, width)
    text = _join_words([w.text for w in raw_words])
    return RawLine(_bounds(outline), tuple(raw_words), outline, text)


def _join_words(texts: list[str]) -> str:
    """Words with single spaces, none between two CJK characters (the model's own spelling)."""
    text = ""
    for word in texts:
        if text and not (ctc.is_cjk(text[-1]) and ctc.is_cjk(word[0])):
            text += " "
        text += word
    return text


def _continues(a: RawQuad, b: RawQuad) -> bool:
    """Whether quadrilateral `b` is the next piece of line `a`: same direction and height, on its
    baseline, starting within about a character of where `a` ends (the detector splits lines at wide
    word gaps on upscaled pages; a receipt's far-apart columns stay separate lines)."""
    ax, ay = a[1][0] - a[0][0], a[1][1] - a[0][1]
    bx, by = b[1][0] - b[0][0], b[1][1] - b[0][1]
    a_len, b_len = math.hypot(ax, ay), math.hypot(bx, by)
    a_height = math.hypot(a[2][0] - a[1][0], a[2][1] - a[1][1])
    b_height = math.hypot(b[3][0] - b[0][0], b[3][1] - b[0][1])
    if min(a_len, b_len, a_height, b_height) <= 0 or not 2 / 3 <= a_height / b_height <= 3 / 2:
        return False
    ux, uy = ax / a_len, ay / a_len
    if (ux * bx + uy * by) / b_len < 0.95:
        return False
    dx, dy = b[0][0] - a[1][0], b[0][1] - a[1][1]
    along, across = dx * ux + dy * uy, abs(dy * ux - dx * uy)
    height = max(a_height, b_height)
    return -0.5 * height <= along <= 1.2 * height and across <= 0.4 * height


def _join_pieces(lines: list[RawLine]) -> list[RawLine]:
    out: list[RawLine] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is None or prev.polygon is None or line.polygon is None or not _continues(prev.polygon, line.polygon):
            out.append(line)
            continue
        polygon = (prev.polygon[0], line.polygon[1], line.polygon[2], prev.polygon[3])
        glue = "" if ctc.is_cjk((prev.text or " ")[-1]) and ctc.is_cjk((line.text or " ")[0]) else " "
        out[-1] = RawLine(_bounds(polygon), prev.words + line.words, polygon, f"{prev.text}{glue}{line.text}")
    return out


class PpocrEngine(OcrEngine):
    name = "ppocr"
    reads_variables = False
    wants_colour = True

    def __init__(self, fallback: OcrEngine, *, workers: int = 1, threads: int = 1) -> None:
        self.fallback = fallback
        self._threads = max(1, threads)
        self._size = max(1, workers)
        self._idle: list[_Models] = [_Models(self._threads)]  # loaded now: a broken install fails at start
        self._made = 1
        self._ready = threading.Condition()
        self._runs: set[Run] = set()  # in progress: close() stops them
        self._closed = False

    def version(self) -> str:
        # Results for languages PP-OCR hands to Tesseract depend on Tesseract's version too, so a cache
        # keyed on (name, version) must see both.
        return f"{model_version()}; fallback {self.fallback.name} {self.fallback.version()}"

    def engine_for(self, languages: str) -> OcrEngine:
        return self if set(languages.split("+")) <= COVERED else self.fallback

    @contextmanager
    def _models(self, run: Run) -> Iterator[_Models]:
        with self._ready:
            # More callers than model sets (warm-up beside requests) wait, but not past their deadline.
            while not self._idle and self._made >= self._size:
                run.check()
                self._ready.wait(run.left())
            run.check()
            models = self._idle.pop() if self._idle else None
            if models is None:
                self._made += 1
        if models is None:
            try:
                models = _Models(self._threads)
            except BaseException:
                with self._ready:
                    self._made -= 1
                    self._ready.notify()
                raise
        try:
            yield models
        finally:
            with self._ready:
                self._idle.append(models)
                self._ready.notify()

    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        run = Run(plan.timeout)
        with self._ready:
            if self._closed:
                run.stop("the engine is closed")
            self._runs.add(run)
        try:
            bgr = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
            with self._models(run) as models:
                models.bind(run)
                try:
                    quads = models.detect(bgr)
                    if not quads:
                        return []
                    run.check()
                    crops = models.classify([_crop(bgr, quad) for quad in quads])
                    run.check()
                    outputs = models.recognize(crops, run.check)
                except Exception as exc:  # a run ended by the terminate flag: the time limit, not a failure
                    if run.reason:
                        raise EngineTimeout(f"PP-OCR stopped ({run.reason})") from exc
                    raise
                finally:
                    models.bind(None)
            lines = []
            for crop, (probs, stride) in zip(crops, outputs, strict=True):
                run.check()
                lines.append(_line(crop, probs, stride, models.alphabet))
            return _join_pieces([line for line in lines if line is not None])
        finally:
            run.end()
            with self._ready:
                self._runs.discard(run)

    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        return self.fallback.detect_orientation(image, script=script, timeout=timeout)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._idle.clear()
            for run in self._runs:
                run.stop("the engine is closed")
            self._ready.notify_all()
        self.fallback.close()
