"""The COS v5 signature (q-sign-algorithm=sha1) as pure functions: the reference signer.

docs/wire-compat.md §3.1 gives the algorithm and §3.7 the vectors that tests/vectors/signing.json pins. The verifier
(`verify.py`) and the tests build their strings here, so a byte changed here shows up in both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote

from cos_ocr_emulator.errors import CosError

# A selected name -> value map, or (name, value) pairs when a name repeats (Go signs every value, §3.1).
Pairs = Mapping[str, str] | Iterable[tuple[str, str]]

AUTH_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)
_AUTH_FIELD_SET = frozenset(AUTH_FIELDS)
_REQUIRED = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-signature")
# Bounded digit counts: Python's int() refuses >4300 digits, and no real clock needs more than 15.
_TIME_RE = re.compile(r"(\d{1,15});(\d{1,15})", re.ASCII)
_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*", re.ASCII)
# The Authorization value as the SDKs spell it (`_exact_fields`); a value with a blank or '&' in it does not match.
_EXACT = re.compile("&".join(f"{re.escape(name)}=([^&\\s]*)" for name in AUTH_FIELDS))


def utf8(s: str) -> bytes:
    """UTF-8 bytes of `s`; undecodable bytes smuggled in by surrogateescape come back as themselves."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that were not escapes: garbage, but never crash on it
        return s.encode("utf-8", "replace")


def is_unreserved(s: str) -> bool:
    """Only A-Za-z0-9-_.~ (or empty): `cos_quote` leaves it as it is."""
    return _UNRESERVED.fullmatch(s) is not None


def cos_quote(s: str) -> str:
    """Percent-encode every UTF-8 byte outside A-Za-z0-9-_.~ with upper-case hex (§3.1 `enc()`)."""
    if _UNRESERVED.fullmatch(s):  # most names and values: nothing to encode
        return s
    return _quoted(s) if len(s) <= _QUOTE_CACHED else quote(utf8(s), safe="-_.~")


_QUOTE_CACHED = 128  # up to this length, encodings are remembered: the Host of every request is one


@lru_cache(maxsize=1024)
def _quoted(s: str) -> str:
    return quote(utf8(s), safe="-_.~")


@lru_cache(maxsize=1024)
def sign_key(secret_key: str, key_time: str) -> str:
    # Cached: an SDK signs every request of a KeyTime window with the same key (and a presigned URL
    # is fetched again and again), so the verifier derives it once per (secret, window).
    return hmac.new(utf8(secret_key), utf8(key_time), hashlib.sha1).hexdigest()


def canonical_line(pairs: Pairs, *, names_encoded: bool = False) -> str:
    """`enc(name).lower()=enc(value)` joined by `&`, sorted by encoded name, then raw value (Go sorts a
    repeated name's values before encoding them, §3.1). With `names_encoded`, names are already in
    their signed form (as listed in q-url-param-list / q-header-list) and are used verbatim."""
    if not pairs:  # nothing listed (most q-url-param-lists)
        return ""
    items = pairs if isinstance(pairs, list) else pairs.items() if isinstance(pairs, Mapping) else pairs
    encoded = list(items) if names_encoded else [(cos_quote(name).lower(), value) for name, value in items]
    encoded.sort()
    return "&".join([f"{name}={cos_quote(value)}" for name, value in encoded])


def signed_names(pairs: Pairs) -> str:
    """The q-header-list / q-url-param-list value: encoded lower-case names, sorted, `;`-joined."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return ";".join(sorted({cos_quote(name).lower() for name, _ in items}))


def format_http_string(method: str, path: str, params_line: str, headers_line: str) -> str:
    # The path is the decoded path, raw UTF-8, neither encoded nor lower-cased (§3.1 step 3).
    return f"{method.lower()}\n{path}\n{params_line}\n{headers_line}\n"


def http_string(method: str, path: str, params: Pairs, headers: Pairs) -> str:
    return format_http_string(method, path, canonical_line(params), canonical_line(headers))


def string_to_sign(key_time: str, http_string: str) -> str:
    # §3.1 step 4. Python/Node put q-sign-time here, Go q-key-time; every SDK sets them equal.
    return f"sha1\n{key_time}\n{hashlib.sha1(utf8(http_string)).hexdigest()}\n"


def signature(secret_key: str, key_time: str, http_string: str, *, sign_time: str | None = None) -> str:
    """HMAC-SHA1 keyed by the 40 hex chars of SignKey (from key_time) over StringToSign (with sign_time,
    defaulting to key_time)."""
    return sign(secret_key, key_time, string_to_sign(key_time if sign_time is None else sign_time, http_string))


def sign(secret_key: str, key_time: str, string_to_sign: str) -> str:
    """HMAC-SHA1 keyed by the 40 hex chars of SignKey (from key_time) over a StringToSign."""
    inner_pad, outer_pad = _keyed(secret_key, key_time)
    inner = inner_pad.copy()
    inner.update(utf8(string_to_sign))
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


@lru_cache(maxsize=1024)
def _keyed(secret_key: str, key_time: str) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC (RFC 2104) with SignKey, its two padded key blocks hashed once per (secret, window): each
    request then costs two SHA-1 copies and updates instead of a keyed HMAC set up from scratch (about
    a third of the time; the vectors in tests/vectors pin the result)."""
    key = sign_key(secret_key, key_time).encode("ascii").ljust(_SHA1_BLOCK, b"\0")  # 40 bytes: never hashed first
    return (
        hashlib.sha1(bytes(b ^ 0x36 for b in key)),
        hashlib.sha1(bytes(b ^ 0x5C for b in key)),
    )


_SHA1_BLOCK = 64


def authorization_fields(
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    params: Pairs,
    headers: Pairs,
    start: int,
    end: int,
    *,
    key_time: str | None = None,
) -> list[tuple[str, str]]:
    """The seven q-* fields in the SDKs' order (§3.1 step 6)."""
    params_list = list(params.items() if isinstance(params, Mapping) else params)
    headers_list = list(headers.items() if isinstance(headers, Mapping) else headers)
    sign_time = f"{start};{end}"
    key_time = sign_time if key_time is None else key_time
    hs = http_string(method, path, params_list, headers_list)
    return [
        ("q-sign-algorithm", "sha1"),
        ("q-ak", secret_id),
        ("q-sign-time", sign_time),
        ("q-key-time", key_time),
        ("q-header-list", signed_names(headers_list)),
        ("q-url-param-list", signed_names(params_list)),
        ("q-signature", signature(secret_key, key_time, hs, sign_time=sign_time)),
    ]


def build_authorization(
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    params: Pairs,
    headers: Pairs,
    start: int,
    end: int,
    *,
    key_time: str | None = None,
) -> str:
    """The Authorization header value exactly as the SDKs send it."""
    fields = authorization_fields(secret_id, secret_key, method, path, params, headers, start, end, key_time=key_time)
    return "&".join(f"{name}={value}" for name, value in fields)


def presign_query(
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    params: Pairs,
    headers: Pairs,
    start: int,
    end: int,
    *,
    key_time: str | None = None,
) -> list[tuple[str, str]]:
    """The q-* query pairs of a presigned URL (§3.6), unencoded; the caller urlencodes them and appends
    the signed params itself (Python puts them after the q-* fields, Go before)."""
    return authorization_fields(secret_id, secret_key, method, path, params, headers, start, end, key_time=key_time)


@lru_cache(maxsize=256)
def parse_time(name: str, value: str) -> tuple[int, int]:
    """`<start>;<end>` in Unix seconds, start <= end, else AccessDenied naming the field. Cached: a
    request's times are parsed when its fields are checked and again against the clock, and an SDK
    signs every request of a window with the same times (a refusal raises, so it is never cached)."""
    match = _TIME_RE.fullmatch(value)
    if match is None:
        raise CosError("AccessDenied", f"{name} is malformed: {value!r} (expected <start>;<end>)")
    start, end = int(match.group(1)), int(match.group(2))
    if start > end:
        raise CosError("AccessDenied", f"{name} is malformed: {value!r} (start is after end)")
    return start, end


def check_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Validate gathered q-* fields (from the header, the query, or Go's `sign=`) and fill the optional
    lists with ''. Raises AccessDenied with a message naming the first problem."""
    for name in _REQUIRED:
        if not fields.get(name):
            raise CosError("AccessDenied", f"Authorization is missing {name}")
    # COS documents only sha1 for this scheme; SDKs send it lower-case.
    if fields["q-sign-algorithm"].lower() != "sha1":
        raise CosError("AccessDenied", "q-sign-algorithm must be sha1")
    parse_time("q-sign-time", fields["q-sign-time"])
    parse_time("q-key-time", fields["q-key-time"])
    out = {name: fields.get(name, "") for name in AUTH_FIELDS}
    return out


def parse_authorization(value: str) -> dict[str, str]:
    """Split `q-sign-algorithm=sha1&q-ak=…&…&q-signature=…` into its q-* fields (unknown fields are
    dropped). Raises AccessDenied (403) on a malformed value."""
    fields = _exact_fields(value)
    return check_fields(_any_fields(value) if fields is None else fields)


def _any_fields(value: str) -> dict[str, str]:
    """The q-* fields of a value in any spelling the server accepts (blanks, any case, any order, extras)."""
    fields: dict[str, str] = {}
    for part in value.split("&"):
        name, sep, field_value = part.partition("=")
        if not sep:
            if not part.strip():  # `&&`, a trailing `&`, blanks
                continue
            raise CosError("AccessDenied", f"Authorization field {name.strip().lower()[:64]!r} has no '='")
        name = name.strip().lower()
        if name in _AUTH_FIELD_SET:  # unknown fields are dropped, repeated or not
            if name in fields:
                raise CosError("AccessDenied", f"Authorization has {name} twice")
            fields[name] = field_value.strip()
    return fields


def _exact_fields(value: str) -> dict[str, str] | None:
    """The fields of a value spelled exactly as every SDK writes it: the seven fields in `AUTH_FIELDS`
    order, lower-case names, no blanks, no extras: one regular-expression match instead of the general
    loop (`_any_fields` gives the same dict for it). None for any other spelling."""
    match = _EXACT.fullmatch(value)
    return None if match is None else dict(zip(AUTH_FIELDS, match.groups(), strict=True))
