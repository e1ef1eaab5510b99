from __future__ import annotations

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr.request import LANGUAGE_TYPES, TYPES, OcrRequest


def test_defaults() -> None:
    assert OcrRequest.parse({}) == OcrRequest("general", "zh", False, 1, False, False)


def test_python_sdk_query_all_seven() -> None:
    query = {
        "ci-process": "OCR",
        "type": "general",
        "language-type": "zh",
        "ispdf": "false",
        "pdf-pagenumber": "1",
        "isword": "false",
        "enable-word-polygon": "false",
    }
    assert OcrRequest.parse(query) == OcrRequest()


@pytest.mark.parametrize("kind", TYPES)
def test_every_type(kind: str) -> None:
    assert OcrRequest.parse({"type": kind}).type == kind


@pytest.mark.parametrize("code", LANGUAGE_TYPES)
def test_every_language_type(code: str) -> None:
    assert OcrRequest.parse({"language-type": code}).language_type == code


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"ispdf": "true"}, {"ispdf": True}),
        ({"ispdf": "TRUE", "pdf-pagenumber": "7"}, {"ispdf": True, "pdf_pagenumber": 7}),
        ({"type": "fast", "ispdf": "true", "pdf-pagenumber": "2"}, {"ispdf": True, "pdf_pagenumber": 2}),
        ({"isword": "true"}, {"isword": True}),
        ({"type": "accurate", "isword": "true"}, {"isword": True}),
        ({"type": "handwriting", "enable-word-polygon": "true"}, {"enable_word_polygon": True}),
        ({"Type": "Accurate", "ISWORD": "True"}, {"type": "accurate", "isword": True}),  # names case-insensitive
        ({"type": "", "language-type": "", "pdf-pagenumber": ""}, {}),  # empty means default
    ],
)
def test_valid_values(query: dict[str, str], expected: dict[str, object]) -> None:
    parsed = OcrRequest.parse(query)
    for name, value in expected.items():
        assert getattr(parsed, name) == value


@pytest.mark.parametrize(
    ("query", "ignored"),
    [
        ({"type": "accurate", "language-type": "kor"}, "language_type"),
        ({"type": "fast", "language-type": "nonsense"}, "language_type"),
        ({"type": "accurate", "ispdf": "true"}, "ispdf"),
        ({"type": "handwriting", "ispdf": "maybe", "pdf-pagenumber": "0"}, "ispdf"),
        ({"type": "efficient", "pdf-pagenumber": "5"}, "pdf_pagenumber"),
        ({"type": "fast", "isword": "true"}, "isword"),
        ({"type": "handwriting", "isword": "yes"}, "isword"),
        ({"type": "general", "enable-word-polygon": "true"}, "enable_word_polygon"),
        ({"type": "accurate", "enable-word-polygon": "bogus"}, "enable_word_polygon"),
    ],
)
def test_parameters_not_valid_for_the_type_are_ignored(query: dict[str, str], ignored: str) -> None:
    assert getattr(OcrRequest.parse(query), ignored) == getattr(OcrRequest(), ignored)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"type": "handwritten"}, "type"),
        ({"type": "GENERAL2"}, "type"),
        ({"language-type": "en"}, "language-type"),
        ({"language-type": "chi_sim"}, "language-type"),
        ({"ispdf": "yes"}, "ispdf"),
        ({"ispdf": "1"}, "ispdf"),
        ({"type": "fast", "ispdf": "on"}, "ispdf"),
        ({"pdf-pagenumber": "0"}, "pdf-pagenumber"),
        ({"pdf-pagenumber": "-1"}, "pdf-pagenumber"),
        ({"pdf-pagenumber": "1.5"}, "pdf-pagenumber"),
        ({"pdf-pagenumber": "two"}, "pdf-pagenumber"),
        ({"pdf-pagenumber": "\u0663"}, "pdf-pagenumber"),  # Arabic-Indic digit: isdigit() but not ASCII
        ({"isword": "false "[:-1] + "x"}, "isword"),
        ({"type": "accurate", "isword": "2"}, "isword"),
        ({"type": "handwriting", "enable-word-polygon": "nope"}, "enable-word-polygon"),
    ],
)
def test_invalid_values_name_the_parameter(query: dict[str, str], name: str) -> None:
    with pytest.raises(CosError) as info:
        OcrRequest.parse(query)
    assert info.value.code == "InvalidArgument"
    assert info.value.status == 400
    assert name in info.value.message


def test_request_is_frozen() -> None:
    with pytest.raises(AttributeError):
        OcrRequest().type = "fast"  # type: ignore[misc]
