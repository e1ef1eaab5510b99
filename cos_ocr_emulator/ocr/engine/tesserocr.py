"""In-process Tesseract through tesserocr: warm `PyTessBaseAPI` instances pooled per language set.

Why: loading traineddata costs 0.1-1 s per language and the CLI pays it, plus PNG encoding and a
process start, on every call; a warm instance recognizes the same page about twice as fast. Each
instance serves one thread at a time (Tesseract objects are not thread-safe), so the pool hands out
an idle instance for the requested languages or builds a new one, and keeps at most `max_idle`
idle instances per language set, for the `max_language_sets` most recently used sets (an LRU:
each set costs 30-150 MB, and a server asked for all 23 language types would otherwise hold them
all). Retired instances are ended and glibc is asked to return the freed heap to the system.
Recognition releases the GIL inside tesserocr, so two worker
threads really use two cores.

Orientation first uses Tesseract's layout analysis in PSM 1 (automatic segmentation with OSD), which
runs without the GIL. Only when that reports a rotated page, or when the script is needed
(language-type=auto), does it call `DetectOrientationScript`, which has a confidence but which
tesserocr runs holding the GIL (0.1-0.3 s on a page); upright pages, the common case, never do.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import tesserocr
from PIL import Image
from tesserocr import PSM, RIL, PyTessBaseAPI

from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.engine.base import EngineTimeout, OcrEngine, RawLine, RawSymbol, RawWord, RecognitionPlan
from cos_ocr_emulator.ocr.orient import MIN_OSD_CONFIDENCE, Orientation
from cos_ocr_emulator.ocr.result import Box

_OSD = "osd"
# Variables a plan may set, with the values restored for the next user of a pooled instance.
DEFAULTS = {"thresholding_method": "0", "preserve_interword_spaces": "0", "tessedit_do_invert": "1"}


class TesserocrEngine(OcrEngine):
    name = "tesserocr"

    def __init__(self, max_idle: int = 2, max_language_sets: int = 4) -> None:
        self._max_idle = max(1, max_idle)
        self._max_sets = max(1, max_language_sets)
        self._idle: OrderedDict[str, list[PyTessBaseAPI]] = OrderedDict()
        self._lock = threading.Lock()
        self._path = str(languages.tessdata_dir()) + "/"

    def version(self) -> str:
        return str(tesserocr.tesseract_version()).split()[1]

    @contextmanager
    def _api(self, langs: str) -> Iterator[PyTessBaseAPI]:
        with self._lock:
            pool = self._idle.setdefault(langs, [])
            api = pool.pop() if pool else None
        if api is None:
            api = PyTessBaseAPI(path=self._path, lang=langs, init=True)
        try:
            yield api
        finally:
            api.Clear()
            retired = [] if self._park(langs, api) else [api]
            with self._lock:
                while len(self._idle) > self._max_sets:
                    retired += self._idle.popitem(last=False)[1]
            _end(retired)

    def _park(self, langs: str, api: PyTessBaseAPI) -> bool:
        """Return `api` to its pool (most recently used); False when the pool is full."""
        with self._lock:
            pool = self._idle.setdefault(langs, [])
            self._idle.move_to_end(langs)
            if len(pool) >= self._max_idle:
                return False
            pool.append(api)
            return True

    def warm(self, langs: str, count: int) -> int:
        with self._lock:
            missing = min(count, self._max_idle) - len(self._idle.get(langs, []))
        # One after another: Init holds the GIL, so two at once only take longer.
        for _ in range(missing):
            api = PyTessBaseAPI(path=self._path, lang=langs, init=True)
            if not self._park(langs, api):
                api.End()
        with self._lock:
            return len(self._idle.get(langs, []))

    def recognize(self, image: Image.Image, plan: RecognitionPlan) -> list[RawLine]:
        with self._api(plan.languages) as api:
            api.SetPageSegMode(plan.psm)
            for name, default in DEFAULTS.items():
                api.SetVariable(name, plan.variables.get(name, default))
            api.SetImage(image)
            milliseconds = 0 if plan.timeout is None else max(1, int(plan.timeout * 1000))
            if not api.Recognize(timeout=milliseconds):
                raise EngineTimeout(f"Tesseract stopped after {milliseconds} ms")
            return _collect(api, plan.symbols)

    def detect_orientation(
        self, image: Image.Image, *, script: bool = False, timeout: float | None = None
    ) -> Orientation | None:
        # Tesseract cannot stop layout analysis or OSD half way (no monitor, unlike Recognize): the
        # call is bounded by the page size only, so it does not start once the budget is spent.
        if timeout is not None and timeout <= 0:
            raise EngineTimeout("no time left for OSD")
        with self._api(_OSD) as api:
            api.SetImage(image)
            if not script:
                # Cheap first look without the GIL: layout analysis with OSD. It has no confidence and
                # misreads small images, so a rotation it reports is confirmed by the full OSD below.
                api.SetPageSegMode(PSM.AUTO_OSD)
                layout = api.AnalyseLayout()
                if layout is None:
                    return None
                if int(layout.Orientation()[0]) == 0:  # PAGE_UP
                    return Orientation(0, 0.0)
            found = api.DetectOrientationScript()
        if not found:
            return None
        conf = float(found["orient_conf"])
        degrees = int(found["orient_deg"]) if conf >= MIN_OSD_CONFIDENCE else 0
        return Orientation(degrees, conf, str(found["script_name"]), float(found["script_conf"]))

    def close(self) -> None:
        with self._lock:
            pools, self._idle = self._idle, OrderedDict()
        _end([api for pool in pools.values() for api in pool])


def _end(apis: list[PyTessBaseAPI]) -> None:
    """End Tesseract instances and hand the freed memory back (glibc keeps it in its arenas otherwise)."""
    if not apis:
        return
    for api in apis:
        api.End()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _load_libc()


def _box(bounds: tuple[int, int, int, int] | None) -> Box:
    if bounds is None:
        return Box(0, 0, 0, 0)
    left, top, right, bottom = bounds
    return Box(left, top, right - left, bottom - top)


def _collect(api: PyTessBaseAPI, symbols: bool) -> list[RawLine]:
    """Walk the result iterator once, at word or symbol level, grouping into lines and words."""
    iterator = api.GetIterator()
    if iterator is None:
        return []
    level = RIL.SYMBOL if symbols else RIL.WORD
    lines: list[tuple[Box, list[RawWord]]] = []
    word: RawWord | None = None
    chars: list[RawSymbol] = []

    def flush() -> None:
        nonlocal word, chars
        if word is not None and word.text and lines:
            lines[-1][1].append(RawWord(word.text, word.confidence, word.box, tuple(chars)))
        word, chars = None, []

    for item in tesserocr.iterate_level(iterator, level):
        if item.IsAtBeginningOf(RIL.TEXTLINE):
            flush()
            lines.append((_box(item.BoundingBox(RIL.TEXTLINE)), []))
        if item.IsAtBeginningOf(RIL.WORD):
            flush()
            text = (item.GetUTF8Text(RIL.WORD) or "").strip()
            word = RawWord(text, float(item.Confidence(RIL.WORD)), _box(item.BoundingBox(RIL.WORD)))
        if symbols and word is not None:
            char = (item.GetUTF8Text(RIL.SYMBOL) or "").strip()
            if char:
                chars.append(RawSymbol(char, float(item.Confidence(RIL.SYMBOL)), _box(item.BoundingBox(RIL.SYMBOL))))
    flush()
    return [RawLine(box, tuple(words)) for box, words in lines if words]
