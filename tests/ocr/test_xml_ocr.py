from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from qcloud_cos.cos_comm import xml_to_dict

from cos_ocr_emulator.ocr.result import Box, OcrResult, Point, TextLine, Word
from cos_ocr_emulator.xml.ocr import format_angle, render_ocr

GOLDEN = Path(__file__).resolve().parents[1] / "vectors" / "ocr" / "response.xml"


def quad(x: int, y: int, w: int, h: int) -> tuple[Point, Point, Point, Point]:
    return Box(x, y, w, h).quad()


def sample() -> OcrResult:
    hello = TextLine(
        text="Hello <World> & co",
        confidence=99,
        polygon=quad(140, 167, 123, 64),
        item_polygon=Box(140, 167, 123, 64),
        words=[Word("Hello", 99, quad(140, 167, 60, 64)), Word("<World>", 97, quad(210, 167, 53, 64))],
    )
    chinese = TextLine(
        text="你好\x07世界",  # a BEL from a bad engine must not break the XML
        confidence=88,
        polygon=(Point(712, 55), Point(702, 763), Point(675, 763), Point(685, 55)),
        item_polygon=Box(56, 61, 708, 27),
        word_polygons=[quad(10, 20, 30, 40)],
    )
    return OcrResult([hello, chinese], language="zh", angle=359.99, pdf_page_size=0)


def test_golden_file() -> None:
    body = render_ocr(sample(), "NTk0MjdmODlfMjQ4OGY3XzYzYzhfMjc=")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(body)
    assert body == GOLDEN.read_bytes()


def test_structure_and_order() -> None:
    root = ET.fromstring(render_ocr(sample(), "req-1"))
    assert root.tag == "Response"
    assert [child.tag for child in root] == [
        "TextDetections", "TextDetections", "Language", "Angel", "PdfPageSize", "RequestId",
    ]  # fmt: skip
    first = root[0]
    assert [child.tag for child in first] == [
        "DetectedText", "Confidence", "Polygon", "Polygon", "Polygon", "Polygon", "ItemPolygon", "Words", "Words",
    ]  # fmt: skip
    assert [c.tag for c in first.find("Words")] == ["Confidence", "Character", "WordCoordPoint"]  # type: ignore[union-attr]
    second = root[1]
    assert [c.tag for c in second.find("WordPolygon")] == ["LeftTop", "RightTop", "RightBottom", "LeftBottom"]  # type: ignore[union-attr]
    assert second.findtext("DetectedText") == "你好世界"
    assert first.findtext("DetectedText") == "Hello <World> & co"


def test_integers_are_integers_and_angle_is_a_float() -> None:
    root = ET.fromstring(render_ocr(sample(), "r"))
    for tag in ("Confidence", "X", "Y", "Width", "Height", "PdfPageSize"):
        for element in root.iter(tag):
            assert element.text is not None and element.text.lstrip("-").isdigit(), (tag, element.text)
    assert root.findtext("Angel") == "359.99"


@pytest.mark.parametrize(
    ("angle", "text"), [(0, "0.0"), (0.0, "0.0"), (90, "90.0"), (359.99, "359.99"), (12.345, "12.35")]
)
def test_angle_format(angle: float, text: str) -> None:
    assert format_angle(angle) == text


def test_empty_result_is_a_valid_response() -> None:
    body = render_ocr(OcrResult([], "zh", 0.0, 0), "rid")
    assert body.startswith(b"<?xml")
    root = ET.fromstring(body)
    assert [c.tag for c in root] == ["Language", "Angel", "PdfPageSize", "RequestId"]


def test_python_sdk_dict_shape() -> None:
    """What `CosS3Client.ci_ocr_process` returns to users: xml_to_dict of the body."""
    result = xml_to_dict(render_ocr(sample(), "rid"))
    assert result["Language"] == "zh"
    assert result["Angel"] == "359.99"
    assert result["PdfPageSize"] == "0"
    assert result["RequestId"] == "rid"
    detections = result["TextDetections"]
    assert isinstance(detections, list) and len(detections) == 2
    hello = detections[0]
    assert hello["DetectedText"] == "Hello <World> & co"
    assert hello["Confidence"] == "99"
    assert hello["Polygon"] == [
        {"X": "140", "Y": "167"},
        {"X": "263", "Y": "167"},
        {"X": "263", "Y": "231"},
        {"X": "140", "Y": "231"},
    ]
    assert hello["ItemPolygon"] == {"X": "140", "Y": "167", "Width": "123", "Height": "64"}
    assert hello["Words"][1]["Character"] == "<World>"
    assert hello["Words"][0]["WordCoordPoint"]["WordCoordinate"][2] == {"X": "200", "Y": "231"}
    assert detections[1]["WordPolygon"]["LeftBottom"] == {"X": "10", "Y": "60"}


def test_python_sdk_single_detection_is_a_dict() -> None:
    single = OcrResult(sample().lines[:1], "zh", 0.0, 3)
    result = xml_to_dict(render_ocr(single, "rid"))
    assert isinstance(result["TextDetections"], dict)
    assert result["PdfPageSize"] == "3"
