"""Check a request's COS signature (header or presigned form) against the configured keys.

`authenticate` is pure: the caller hands in what arrived on the wire (`SignedRequest`), the settings
and the clock, and gets an `AuthOutcome` or a `CosError`. The HttpString is rebuilt only from the names
the client listed in q-url-param-list / q-header-list (docs/wire-compat.md §3.2), so unsigned extras are ignored.
"""

from __future__ import annotations

import hmac
import itertools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from cos_ocr_emulator.auth import signing
from cos_ocr_emulator.config import KeyPair, Settings
from cos_ocr_emulator.errors import CosError

log = logging.getLogger("cos_ocr_emulator.auth")

TOKEN_NAME = "x-cos-security-token"
_ANONYMOUS_DENIED = "Anonymous access is denied; sign the request (q-sign-algorithm=sha1)"


@dataclass(frozen=True)
class SignedRequest:
    method: str  # "GET"
    # Candidate decoded paths, e.g. ("/doc/a.jpg",) or ("/a.jpg", "/bucket-125/a.jpg") for path-style.
    paths: tuple[str, ...]
    # Decoded query pairs in order, '+' already a space, names in the case sent.
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]  # lower-case names -> values as received
    host: str  # Host header value as received (may carry :port)


@dataclass(frozen=True)
class Principal:
    secret_id: str | None  # None for anonymous
    key: KeyPair | None


@dataclass(frozen=True)
class AuthOutcome:
    principal: Principal
    verdict: str  # "signed", "presigned", "anonymous", "mismatch-warned", "auth-off"
    string_to_sign: str | None = None
    http_string: str | None = None


ANONYMOUS = Principal(None, None)


def authenticate(
    req: SignedRequest,
    settings: Settings,
    now: float,
    *,
    public_read: bool | Callable[[], bool] = False,
    read_only: bool = False,
) -> AuthOutcome:
    """`public_read` (a value, or a function asked only when the request is unsigned and read-only) says
    whether everyone may read the resource."""
    if settings.auth_mode == "off":
        return AuthOutcome(ANONYMOUS, "auth-off")
    fields, verdict, query = _gather(req)
    if fields is None:
        # Python's Anonymous=True sends an empty Authorization header (§1.1); treated as no signature.
        if read_only and (public_read() if callable(public_read) else public_read):
            return AuthOutcome(ANONYMOUS, "anonymous")
        raise CosError("AccessDenied", _ANONYMOUS_DENIED)

    key = settings.key_for(fields["q-ak"])
    if key is None:
        raise CosError("InvalidAccessKeyId")
    # Window and token before the signature: a skewed client must see the time error even if a host or
    # path variant is also off, so Node can correct its clock (§8.2).
    _check_time(fields, settings, now)
    _check_token(req, key, query, now)
    principal = Principal(key.secret_id, key)

    wanted = signing.utf8(fields["q-signature"].lower())
    signed = _signed_parts(req, fields, query)
    # A well-formed request matches the canonical candidate, built directly; the variants only after.
    first_sts, first_hs = _candidate(req, signed, fields["q-sign-time"], (req.paths or ("/",))[0], req.host)
    log.debug("canonical string %r; string to sign %r", first_hs, first_sts)
    if _matches(key, fields, first_sts, wanted):
        return AuthOutcome(principal, verdict, first_sts, first_hs)
    for sts, hs in itertools.islice(_candidates(req, fields, signed), 1, None):  # the first is the canonical
        if _matches(key, fields, sts, wanted):
            log.debug("signature matched a variant: canonical string %r; string to sign %r", hs, sts)
            return AuthOutcome(principal, verdict, sts, hs)

    if settings.auth_mode == "warn":
        log.warning(
            "signature mismatch for %s accepted (auth_mode=warn): canonical string %r; string to sign %r",
            key.secret_id,
            first_hs,
            first_sts,
        )
        return AuthOutcome(principal, "mismatch-warned", first_sts, first_hs)
    # Literal newlines; the XML renderer escapes them. Like S3, the server's strings go in the body so
    # the client can diff its own.
    # As S3 does, the message itself carries what the server computed (repr keeps it on one line), so
    # a client that only logs Message still sees why; the elements carry the raw strings.
    raise CosError(
        "SignatureDoesNotMatch",
        f"The Signature you specified is invalid. StringToSign={first_sts!r} FormatString={first_hs!r}",
        extra={"StringToSign": first_sts, "FormatString": first_hs},
    )


def _gather(req: SignedRequest) -> tuple[dict[str, str] | None, str, list[tuple[str, str]]]:
    """Pick the q-* fields from the header or the query. Returns (fields or None if anonymous, verdict,
    the query pairs that may be signed: the presigned form's own fields removed)."""
    query = list(req.query)
    header = req.headers.get("authorization", "").strip()
    if header:
        return signing.parse_authorization(header), "signed", query
    lowered = [(name.lower(), value) for name, value in query]
    if any(name == "q-signature" for name, _ in lowered):
        # Presigned (§3.6): Python sends `;` as %3B, Node raw; both are decoded by now.
        found: dict[str, str] = {}
        for name, value in lowered:
            if name in signing.AUTH_FIELDS:
                found.setdefault(name, value)
        rest = [(n, v) for n, v in query if n.lower() not in signing.AUTH_FIELDS]
        return signing.check_fields(found), "presigned", rest
    merged = next((value for name, value in lowered if name == "sign"), None)
    if merged:
        # Go's PresignedURLOptions.SignMerged: sign=<the whole Authorization, URL-encoded> (§3.6).
        rest = [(n, v) for n, v in query if n.lower() != "sign"]
        return signing.parse_authorization(merged), "presigned", rest
    return None, "anonymous", query


def _check_time(fields: Mapping[str, str], settings: Settings, now: float) -> None:
    sign_start, sign_end = signing.parse_time("q-sign-time", fields["q-sign-time"])
    _key_start, key_end = signing.parse_time("q-key-time", fields["q-key-time"])
    # Exactly this message: Node corrects its clock on it (§3.3, §8.2).
    if now > min(sign_end, key_end):
        raise CosError("AccessDenied", "Request has expired")
    if sign_start > now + settings.clock_skew:
        raise CosError(
            "RequestTimeTooSkewed",
            f"q-sign-time starts at {sign_start}, {int(sign_start - now)}s after the server's time",
        )


def _check_token(req: SignedRequest, key: KeyPair, query: list[tuple[str, str]], now: float) -> None:
    """Python and Go sign the token, Node adds it unsigned after signing, in the header or, for presigned
    URLs, the query (§3.5); so it is read from either place whether signed or not."""
    if key.token is None:
        return  # a permanent key ignores a token sent along, like COS ignores it for root keys
    sent = req.headers.get(TOKEN_NAME)
    if sent is None:
        sent = next((v for n, v in query if n.lower() == TOKEN_NAME), None)
    if not sent:
        raise CosError("AccessDenied", "The security token is missing")
    if not hmac.compare_digest(signing.utf8(sent), signing.utf8(key.token)):
        raise CosError("InvalidAccessKeyId", "The security token is invalid")
    if key.token_expires is not None and now > key.token_expires:
        raise CosError("ExpiredToken")


def _host_variants(host: str) -> Iterator[str]:
    """The Host as received first, then without its port (Python Domain mode signs
    urlparse(url).hostname: no port, lower-cased, IPv6 without brackets; §3.4). Lazy: a request that
    verifies with the Host as received never builds the others."""
    yield host
    variants = [host]
    if host.startswith("["):
        bare, _, _rest = host[1:].partition("]")
        variants += [f"[{bare}]", bare]
    elif host.count(":") == 1:
        variants.append(host.rsplit(":", 1)[0])
    variants += [v.lower() for v in variants]
    yield from (v for v in dict.fromkeys(variants) if v != host)


def _header_value(headers: Mapping[str, str], name: str) -> str:
    """The value of the header whose encoded lower-case name is `name` (as q-header-list lists it), or ''."""
    if signing.is_unreserved(name):
        # Received names are lower case, so an unreserved name is its own encoding, and a name with
        # anything else in it encodes to something with a '%', which an unreserved name never equals.
        return headers.get(name, "")
    return next((v for n, v in headers.items() if signing.cos_quote(n).lower() == name), "")


class _Signed(NamedTuple):
    """What the client listed, resolved against the request: the same for every candidate."""

    params_line: str  # the canonical q-url-param-list line
    others: list[tuple[str, str]]  # listed headers but Host, (encoded name, value)
    host_signed: bool


def _signed_parts(req: SignedRequest, fields: Mapping[str, str], query: Sequence[tuple[str, str]]) -> _Signed:
    params: list[tuple[str, str]] = []
    for name in _listed(fields["q-url-param-list"]):
        # canonical_line sorts a repeated name's values, as Go signs them (§3.1).
        values = [v for n, v in query if signing.cos_quote(n).lower() == name]
        params += [(name, v) for v in values] or [(name, "")]
    header_names = _listed(fields["q-header-list"])
    others = [(name, _header_value(req.headers, name)) for name in header_names if name != "host"]
    return _Signed(signing.canonical_line(params, names_encoded=True), others, "host" in header_names)


def _header_line(signed: _Signed, host: str) -> str:
    pairs = [*signed.others, ("host", host)] if signed.host_signed else signed.others
    return signing.canonical_line(pairs, names_encoded=True)


def _candidate(req: SignedRequest, signed: _Signed, sts_time: str, path: str, host: str) -> tuple[str, str]:
    """(StringToSign, HttpString) for one time field, path and Host spelling."""
    hs = signing.format_http_string(req.method, path, signed.params_line, _header_line(signed, host))
    return signing.string_to_sign(sts_time, hs), hs


def _matches(key: KeyPair, fields: Mapping[str, str], sts: str, wanted: bytes) -> bool:
    got = signing.sign(key.secret_key, fields["q-key-time"], sts)
    return hmac.compare_digest(got.encode("ascii"), wanted)


def _candidates(req: SignedRequest, fields: Mapping[str, str], signed: _Signed) -> Iterator[tuple[str, str]]:
    """(StringToSign, HttpString) for every path x host x time variant,
    the canonical one (first path, Host as received, q-sign-time) first, each built when asked for."""
    lines: dict[str, str] = {}  # host spelling -> canonical header line, built on first use
    # SignKey always uses q-key-time; StringToSign uses q-sign-time (Python, Node) or q-key-time (Go).
    for sts_time in dict.fromkeys([fields["q-sign-time"], fields["q-key-time"]]):
        for path in req.paths or ("/",):
            seen: set[str] = set()
            for host in _host_variants(req.host) if signed.host_signed else (req.host,):
                line = lines.get(host)
                if line is None:
                    line = lines[host] = _header_line(signed, host)
                if line not in seen:
                    seen.add(line)
                    hs = signing.format_http_string(req.method, path, signed.params_line, line)
                    yield signing.string_to_sign(sts_time, hs), hs


@lru_cache(maxsize=256)
def _listed(value: str) -> tuple[str, ...]:
    # Go repeats a name once per value (`a;a`); one entry per name is enough since all values are signed.
    # Cached: a client sends the same few lists (`host`, `content-length;content-md5;host`) again and again.
    if not value:
        return ()
    return tuple(dict.fromkeys(part.strip().lower() for part in value.split(";") if part.strip()))
