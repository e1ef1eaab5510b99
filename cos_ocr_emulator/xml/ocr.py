"""Render an `OcrResult` as the CI OCR response body: the only code that knows OCR element names.

Shape (CI API page "Synchronizing OCR Requests" and docs/wire-compat.md §4.2): root `<Response>` with no
namespace (the Python SDK's `xml_to_dict` keeps a foreign namespace in every key), repeated
`TextDetections`, then `Language`, `Angel` (sic), `PdfPageSize`, `RequestId`. Inside a detection:
`DetectedText`, `Confidence`, four `Polygon`, `ItemPolygon`, repeated `Words` (`Confidence`,
`Character`, `WordCoordPoint`), repeated `WordPolygon`.
Integers are printed as integers (Go's decoder rejects `99.5` for an int field) and `Angel` as a
float (`0.0`, `359.99`). Text is escaped by `_writer`, which also drops characters XML 1.0 cannot carry.
"""

from __future__ import annotations

from cos_ocr_emulator.ocr.result import Box, OcrResult, Point, Quad, TextLine, Word
from cos_ocr_emulator.xml._writer import Node, document


def render_ocr(result: OcrResult, request_id: str) -> bytes:
    """The complete response body, prolog included."""
    children: list[Node] = [("TextDetections", _detection(line)) for line in result.lines]
    children += [
        ("Language", result.language),
        ("Angel", format_angle(result.angle)),
        ("PdfPageSize", int(result.pdf_page_size)),
        ("RequestId", request_id),
    ]
    return document("Response", children)


def format_angle(angle: float) -> str:
    """Degrees with at most two decimals and always a decimal point: 0.0, 90.0, 359.99."""
    return repr(float(round(angle, 2)))


def _detection(line: TextLine) -> list[Node]:
    nodes: list[Node] = [("DetectedText", line.text), ("Confidence", int(line.confidence))]
    nodes += [("Polygon", _point(point)) for point in line.polygon]
    nodes.append(("ItemPolygon", _box(line.item_polygon)))
    nodes += [("Words", _word(word)) for word in line.words]
    nodes += [("WordPolygon", _word_polygon(quad)) for quad in line.word_polygons]
    return nodes


def _point(point: Point) -> list[Node]:
    return [("X", int(point.x)), ("Y", int(point.y))]


def _box(box: Box) -> list[Node]:
    return [("X", int(box.x)), ("Y", int(box.y)), ("Width", int(box.width)), ("Height", int(box.height))]


def _word(word: Word) -> list[Node]:
    coordinates: list[Node] = [("WordCoordinate", _point(point)) for point in word.polygon]
    return [
        ("Confidence", int(word.confidence)),
        ("Character", word.text),
        ("WordCoordPoint", coordinates),
    ]


def _word_polygon(quad: Quad) -> list[Node]:
    names = ("LeftTop", "RightTop", "RightBottom", "LeftBottom")
    return [(name, _point(point)) for name, point in zip(names, quad, strict=True)]
