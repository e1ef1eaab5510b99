"""Canned OCR results: a fixed answer for a bucket/key, a content SHA-256 or a detect-url.

A canned result goes through the same serializer as a real one, so a client's parsing can be tested
deterministically. The JSON shape mirrors the `OcrResult` model:

    {"lines": [{"text": "Hello", "confidence": 99, "polygon": [[10, 20], [110, 20], [110, 50], [10, 50]],
                "item_polygon": [10, 20, 100, 30],            # optional: the polygon's bounds
                "words": [{"text": "Hello", "confidence": 99, "polygon": [[10, 20], ...]}],
                "word_polygons": [[[10, 20], ...]]}],
     "language": "zh", "angle": 0.0, "pdf_page_size": 0}
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from cos_ocr_emulator.ocr.result import Box, OcrResult, Point, Quad, TextLine, Word


def _quad(raw: Any, where: str) -> Quad:
    if not isinstance(raw, list) or len(raw) != 4:
        raise ValueError(f"{where}: a polygon is four [x, y] points")
    points = []
    for point in raw:
        if not (isinstance(point, list | tuple) and len(point) == 2 and all(isinstance(v, int) for v in point)):
            raise ValueError(f"{where}: each point is [x, y] with integers, got {point!r}")
        points.append(Point(point[0], point[1]))
    return (points[0], points[1], points[2], points[3])


def _int(raw: Any, where: str, low: int = 0, high: int = 2**31) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
        raise ValueError(f"{where}: expected an integer in [{low}, {high}], got {raw!r}")
    return raw


def _line(raw: dict[str, Any], where: str) -> TextLine:
    polygon = _quad(raw.get("polygon"), f"{where}.polygon")
    if "item_polygon" in raw:
        x, y, w, h = (_int(v, f"{where}.item_polygon") for v in raw["item_polygon"])
        box = Box(x, y, w, h)
    else:
        xs, ys = [p.x for p in polygon], [p.y for p in polygon]
        box = Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    words = [
        Word(str(w["text"]), _int(w.get("confidence", 99), f"{where}.words[{i}].confidence", 0, 100),
             _quad(w.get("polygon"), f"{where}.words[{i}].polygon"))
        for i, w in enumerate(raw.get("words", []))
    ]  # fmt: skip
    word_polygons = [_quad(q, f"{where}.word_polygons[{i}]") for i, q in enumerate(raw.get("word_polygons", []))]
    confidence = _int(raw.get("confidence", 99), f"{where}.confidence", 0, 100)
    return TextLine(str(raw["text"]), confidence, polygon, box, words, word_polygons)


def result_from_json(raw: dict[str, Any]) -> OcrResult:
    """Validate and convert the admin API's JSON; ValueError names the first bad field."""
    try:
        lines = [_line(line, f"lines[{i}]") for i, line in enumerate(raw.get("lines", []))]
        angle = float(raw.get("angle", 0.0))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed canned OCR result: {exc!r}") from exc
    pdf_pages = _int(raw.get("pdf_page_size", 0), "pdf_page_size")
    language, engine = str(raw.get("language", "zh")), str(raw.get("engine", ""))
    return OcrResult(lines=lines, language=language, angle=angle, pdf_page_size=pdf_pages, engine=engine)


def result_to_json(result: OcrResult) -> dict[str, Any]:
    """The inverse of `result_from_json` (the OCR result cache stores results in this shape too)."""

    def quad(q: Quad) -> list[list[int]]:
        return [[p.x, p.y] for p in q]

    lines = [
        {
            "text": line.text, "confidence": line.confidence, "polygon": quad(line.polygon),
            "item_polygon": list(dataclasses.astuple(line.item_polygon)),
            "words": [{"text": w.text, "confidence": w.confidence, "polygon": quad(w.polygon)} for w in line.words],
            "word_polygons": [quad(q) for q in line.word_polygons],
        }
        for line in result.lines
    ]  # fmt: skip
    return {"lines": lines, "language": result.language, "angle": result.angle, "pdf_page_size": result.pdf_page_size,
            "engine": result.engine}  # fmt: skip


class CannedResults:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_sha: dict[str, dict[str, Any]] = {}
        self._by_url: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, spec: dict[str, Any]) -> dict[str, Any]:
        result = spec["result"]
        result_from_json(result)  # validate now, so a bad shape fails the PUT, not a later OCR call
        bucket, key, sha, url = spec.get("bucket"), spec.get("key"), spec.get("sha256"), spec.get("detect_url")
        chosen = [name for name, value in (("key", key), ("sha256", sha), ("detect_url", url)) if value]
        if len(chosen) != 1:
            raise ValueError("give exactly one of key (with optional bucket), sha256 or detect_url")
        with self._lock:
            if key:
                self._by_key[(bucket or "*", key)] = result
            elif sha:
                self._by_sha[sha.lower()] = result
            else:
                self._by_url[str(url)] = result
        return {"stored": chosen[0]}

    def find(
        self, *, bucket: str | None, key: str | None, sha256: str, detect_url: str | None
    ) -> dict[str, Any] | None:
        with self._lock:
            if detect_url is not None and detect_url in self._by_url:
                return self._by_url[detect_url]
            if key:
                for candidate in ((bucket or "*", key), ("*", key)):
                    if candidate in self._by_key:
                        return self._by_key[candidate]
            return self._by_sha.get(sha256)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            out = [{"bucket": b, "key": k, "result": r} for (b, k), r in self._by_key.items()]
            out += [{"sha256": s, "result": r} for s, r in self._by_sha.items()]
            out += [{"detect_url": u, "result": r} for u, r in self._by_url.items()]
        return out

    def remove(
        self, *, bucket: str | None = None, key: str | None = None, sha256: str | None = None,
        detect_url: str | None = None,
    ) -> int:  # fmt: skip
        """Drop one result, named as `list()` names it (bucket "*" is the any-bucket entry)."""
        with self._lock:
            if key:
                found = self._by_key.pop((bucket or "*", key), None)
            elif sha256:
                found = self._by_sha.pop(sha256.lower(), None)
            else:
                found = self._by_url.pop(detect_url, None) if detect_url else None
        return 0 if found is None else 1

    def clear(self) -> int:
        with self._lock:
            count = len(self._by_key) + len(self._by_sha) + len(self._by_url)
            self._by_key.clear()
            self._by_sha.clear()
            self._by_url.clear()
        return count
