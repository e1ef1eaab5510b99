"""Turning one raw setting (a flag or env string, a TOML value, a fixture's Python value) into its typed
value, or a `ConfigError` that names the setting, where the value came from and what is wrong with it.

The conversion follows the field's annotation, so a setting added to `Settings` later is checked
without code here; `CHECKS` holds the few rules a type cannot say (ranges, choices, folders, globs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import NoneType, UnionType
from typing import Union, get_args, get_origin

from cos_ocr_emulator.addressing import is_valid_bucket_name

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# A detect-url host glob: host-name characters plus the fnmatch operators; no scheme, port or path.
_HOST_GLOB = re.compile(r"^[a-z0-9.*?!\[\]_-]+$")


class ConfigError(ValueError):
    """A bad setting, in one line: `<setting> from <source>: <problem>` (source: a flag, an env
    variable, `file.toml:line`, or the fixture that passed it)."""

    def __init__(self, setting: str, source: str, problem: str) -> None:
        self.setting, self.source, self.problem = setting, source, problem
        where = f"{setting} from {source}" if setting else source
        super().__init__(f"{where}: {problem}")


class BadValue(ValueError):
    """A value's problem, before the caller knows which setting and source to blame."""


def _shown(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "..."


# --- conversions by type ----------------------------------------------------------------------------


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise BadValue(f"{_shown(raw)} is not a boolean (use true/false, 1/0, yes/no or on/off)")


def _to_int(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise BadValue(f"{_shown(raw)} is not a whole number")


def _to_float(raw: object) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            pass
    raise BadValue(f"{_shown(raw)} is not a number")


def _to_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    raise BadValue(f"{_shown(raw)} is not a string")


def _to_path(raw: object) -> Path:
    if isinstance(raw, Path):
        return raw
    if isinstance(raw, str) and raw.strip():
        return Path(raw.strip()).expanduser()
    raise BadValue(f"{_shown(raw)} is not a path")


def _to_strings(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):  # env and flags: a comma-separated list
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        return tuple(item.strip() for item in raw)
    raise BadValue(f"{_shown(raw)} is not a list of strings")


def convert(annotation: object, raw: object, key_pair: Callable[[object], object]) -> object:
    """`raw` as a value of `annotation` (a `Settings` field's type); raises `BadValue`."""
    if get_origin(annotation) in (Union, UnionType):
        options = [arg for arg in get_args(annotation) if arg is not NoneType]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None  # an empty env variable unsets an optional setting
        return convert(options[0], raw, key_pair)
    if get_origin(annotation) is tuple:
        item_type = get_args(annotation)[0]
        if item_type is str:
            return _to_strings(raw)
        return _to_key_pairs(raw, key_pair)
    simple: dict[object, Callable[[object], object]] = {
        bool: _to_bool, int: _to_int, float: _to_float, str: _to_str, Path: _to_path,
    }  # fmt: skip
    if annotation in simple:
        return simple[annotation](raw)
    return raw


def _to_key_pairs(raw: object, key_pair: Callable[[object], object]) -> tuple[object, ...]:
    items: object = raw
    if isinstance(raw, str):  # JSON, or the "id:key,id:key" shorthand for env vars
        if raw.lstrip().startswith("["):
            try:
                items = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise BadValue(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
        else:
            items = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(items, list | tuple) or not items:
        raise BadValue("needs at least one key pair: id:key[,id:key...] or a JSON list of {secret_id, secret_key}")
    pairs = tuple(key_pair(item) for item in items)
    ids = [getattr(pair, "secret_id", None) for pair in pairs]
    duplicates = sorted({sid for sid in ids if ids.count(sid) > 1 and isinstance(sid, str)})
    if duplicates:
        raise BadValue(f"SecretId {duplicates[0]!r} is listed twice")
    return pairs


# --- rules a type cannot say --------------------------------------------------------------------


def _choice(*options: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value in options else f"{_shown(value)} is not one of {', '.join(options)}"

    return check


def _range(low: float, high: float | None = None) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        assert isinstance(value, int | float)
        if value < low or (high is not None and value > high):
            return f"{value} is out of range ({low}..{high})" if high is not None else f"{value} is below {low}"
        return None

    return check


def _existing_folder(value: object) -> str | None:
    if value is None:
        return None
    assert isinstance(value, Path)
    if not value.exists():
        return f"{str(value)!r} does not exist"
    return None if value.is_dir() else f"{str(value)!r} is not a folder"


def _not_a_file(value: object) -> str | None:
    assert isinstance(value, Path)
    return f"{str(value)!r} is a file, not a folder" if value.exists() and not value.is_dir() else None


def _host_globs(value: object) -> str | None:
    assert isinstance(value, tuple)
    for glob in value:
        if not _HOST_GLOB.match(glob.lower()):
            return f"{glob!r} is not a host-name glob (like '*.example.com': no scheme, port, path or spaces)"
        if glob.count("[") != glob.count("]"):
            return f"{glob!r} has an unclosed '[' character class"
    return None


def _buckets(value: object) -> str | None:
    assert isinstance(value, tuple)
    bad = [name for name in value if not is_valid_bucket_name(name)]
    return f"{bad[0]!r} is not a bucket name (<name>-<appid>, lower case)" if bad else None


def _digits(value: object) -> str | None:
    return None if isinstance(value, str) and value.isdigit() else f"{_shown(value)} is not a numeric APPID"


def _region(value: object) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value)
    return None if ok else f"{_shown(value)} is not a region name (like ap-guangzhou)"


def _not_empty(value: object) -> str | None:
    return None if value else "must not be empty"


CHECKS: Mapping[str, Callable[[object], str | None]] = {
    "host": _not_empty,
    "port": _range(0, 65535),
    "data_dir": _not_a_file,
    "storage": _choice("disk", "memory"),
    "appid": _digits,
    "region": _region,
    "default_bucket": lambda value: _buckets((value,)),
    "public_buckets": _buckets,
    "auth_mode": _choice("strict", "warn", "off"),
    "seed_dir": _existing_folder,
    "log_format": _choice("text", "json"),
    "log_level": _choice(*LOG_LEVELS),
    "max_object_size": _range(1),
    "ocr_engine": _choice("tesseract", "tesserocr", "pytesseract", "ppocr"),
    "ocr_max_image_bytes": _range(1),
    "ocr_max_pixels": _range(1),
    "ocr_pdf_dpi": _range(36, 1200),
    "ocr_max_pdf_pages": _range(1),
    "ocr_cache_max_bytes": _range(1),
    "ocr_timeout": _range(0.001),
    "ocr_engine_cache": _range(1),
    "shutdown_grace": _range(0),
    "detect_url_timeout": _range(0.001),
    "detect_url_max_bytes": _range(1),
    "detect_url_allow_hosts": _host_globs,
    "detect_url_deny_hosts": _host_globs,
    "journal_size": _range(1),
}


def check(name: str, value: object) -> str | None:
    """What is wrong with a converted value, or None. Numbers without a rule must not be negative."""
    rule = CHECKS.get(name)
    if rule is not None:
        return rule(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return f"{value} is negative"
    return None


# --- where a TOML value came from -----------------------------------------------------------------


def toml_line(text: str, name: str) -> int | None:
    """The line (1-based) that sets top-level `name` in a TOML document, for error messages."""
    pattern = re.compile(rf"""^\s*(?:{re.escape(name)}|"{re.escape(name)}"|'{re.escape(name)}')\s*=""")
    table = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line) or table.match(line):
            return number
    return None


def toml_syntax_problem(message: str) -> tuple[int | None, str]:
    """tomllib's "Problem (at line 2, column 13)" as (2, "Problem (column 13)")."""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return None, message
    return int(match.group(1)), f"{message[: match.start()]} (column {match.group(2)})"
