"""Query parameters of `GET /<key>?ci-process=OCR` -> a validated `OcrRequest`.

Rules from the CI API page "Synchronizing OCR Requests":
- `type`: general | accurate | efficient | fast | handwriting (default general).
- `language-type`: valid only for type=general (default zh).
- `ispdf`, `pdf-pagenumber` (default 1): valid only for general and fast.
- `isword`: valid only for general and accurate.
- `enable-word-polygon`: valid only for handwriting.

A parameter the page says is not valid for the requested type is ignored entirely, neither applied
nor validated: the SDKs send all of them on every call (the Python SDK always sends all seven), so
refusing `isword=true` on `type=fast` would break ordinary clients. An invalid value of a parameter
that does apply is an `InvalidArgument` naming the parameter. Parameter names are matched
case-insensitively; an empty value means "use the default" (Go omits, others send empty strings).
This module does not read `detect-url`: the HTTP handler resolves the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cos_ocr_emulator.errors import CosError

TYPES = ("general", "accurate", "efficient", "fast", "handwriting")
LANGUAGE_TYPES = (
    "zh", "zh_rare", "auto", "mix", "jap", "kor", "spa", "fre", "ger", "por", "vie", "may",
    "rus", "ita", "hol", "swe", "fin", "dan", "nor", "hun", "tha", "hi", "ara",
)  # fmt: skip
DEFAULT_LANGUAGE = "zh"

# Which parameters each type honours (the API page's "Valid when type is ..." notes).
_LANGUAGE_TYPES_FOR = {"general"}
PDF_TYPES = frozenset({"general", "fast"})  # the API page: ispdf is valid for these
_ISWORD_TYPES = {"general", "accurate"}
_WORD_POLYGON_TYPES = {"handwriting"}


@dataclass(frozen=True)
class OcrRequest:
    """The effective parameters: defaults filled in, ignored parameters at their defaults."""

    type: str = "general"
    language_type: str = DEFAULT_LANGUAGE
    ispdf: bool = False
    pdf_pagenumber: int = 1
    isword: bool = False
    enable_word_polygon: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> OcrRequest:
        """Validate the query; raises `CosError("InvalidArgument")` naming the offending parameter."""
        params = {name.lower(): value for name, value in query.items()}
        kind = _choice(params, "type", TYPES, "general")
        language = DEFAULT_LANGUAGE
        if kind in _LANGUAGE_TYPES_FOR:
            language = _choice(params, "language-type", LANGUAGE_TYPES, DEFAULT_LANGUAGE)
        ispdf, page = False, 1
        if kind in PDF_TYPES:
            ispdf = _boolean(params, "ispdf")
            page = _page_number(params, "pdf-pagenumber")
        isword = _boolean(params, "isword") if kind in _ISWORD_TYPES else False
        polygons = _boolean(params, "enable-word-polygon") if kind in _WORD_POLYGON_TYPES else False
        return cls(kind, language, ispdf, page, isword, polygons)


def _raw(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _raw(params, name)
    if value is None:
        return default
    if value.lower() not in allowed:
        raise CosError("InvalidArgument", f"Invalid {name} {value!r}: expected one of {', '.join(allowed)}.")
    return value.lower()


def _boolean(params: Mapping[str, str], name: str) -> bool:
    value = _raw(params, name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise CosError("InvalidArgument", f"Invalid {name} {value!r}: expected true or false.")
    return value.lower() == "true"


def _page_number(params: Mapping[str, str], name: str) -> int:
    value = _raw(params, name)
    if value is None:
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise CosError("InvalidArgument", f"Invalid {name} {value!r}: expected an integer of at least 1.")
    return int(value)
