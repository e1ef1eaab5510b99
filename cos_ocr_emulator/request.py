"""One parsed COS request: method, target, query and headers as plain values, built once per request.

Query values are decoded with `+` as space (Python's requests and Go send spaces as `+`, Node as
`%20`; docs/wire-compat.md §2), names are matched case-insensitively (`partNumber` vs `partnumber`), and a
valueless flag (`uploads`) equals an empty one (`uploads=`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from cos_ocr_emulator.addressing import Target
from cos_ocr_emulator.errors import CosError


def parse_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for part in raw.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        try:
            pairs.append(
                (
                    unquote_plus(name.decode("utf-8"), errors="strict"),
                    unquote_plus(value.decode("utf-8"), errors="strict"),
                )
            )
        except UnicodeError as exc:
            raise CosError("InvalidURI", "The query string is not valid percent-encoded UTF-8.") from exc
    return tuple(pairs)


@dataclass(frozen=True)
class CosRequest:
    method: str
    target: Target
    host: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]  # lower-case names

    # Lower-case name → first value, built once (handlers ask for several).
    params: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        params: dict[str, str] = {}
        for name, value in self.query:
            params.setdefault(name.lower(), value)
        object.__setattr__(self, "params", params)

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name.lower(), default)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def version_id(self) -> str | None:
        """`versionId`, None when absent or empty (Go's Download sends `?versionId=` for the current one)."""
        return self.param("versionid") or None

    @property
    def bucket(self) -> str:
        assert self.target.bucket is not None
        return self.target.bucket

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def resource(self) -> str:
        return f"{self.target.bucket}/{self.target.key}" if self.target.bucket else "/"

    def int_param(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.param(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise CosError("InvalidArgument", f"{name} must be an integer, got {raw!r}.") from exc
        if not low <= value <= high:
            raise CosError("InvalidArgument", f"{name} must be between {low} and {high}, got {value}.")
        return value
