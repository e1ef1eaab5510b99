"""authenticate(): every rule of docs/wire-compat.md §3 (forms, windows, hosts, paths, token, anonymous, modes)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from signing_vectors import HOST, SID, SK, VEC

from cos_ocr_emulator.auth import signing
from cos_ocr_emulator.auth.verify import AuthOutcome, SignedRequest, authenticate
from cos_ocr_emulator.config import KeyPair, Settings
from cos_ocr_emulator.errors import CosError

NOW = 1_700_000_000
TEMP = KeyPair("AKIDTEMPORARY", "temporarysecret", token="TOKEN123", token_expires=NOW + 600)
SETTINGS = Settings(keys=(KeyPair(SID, SK), TEMP))


def req(
    path: str = "/doc/receipt.jpg",
    query: tuple[tuple[str, str], ...] = (("ci-process", "OCR"),),
    headers: Mapping[str, str] | None = None,
    host: str = HOST,
    method: str = "GET",
    paths: tuple[str, ...] | None = None,
) -> SignedRequest:
    return SignedRequest(method, paths or (path,), query, {"host": host, **(headers or {})}, host)


def sign(
    r: SignedRequest,
    params: signing.Pairs | None = None,
    headers: signing.Pairs | None = None,
    *,
    key: KeyPair = SETTINGS.keys[0],
    secret: str | None = None,
    start: int = NOW - 60,
    end: int = NOW + 10000,
    path: str | None = None,
    signed_host: str | None = None,
) -> SignedRequest:
    """Sign like Python: every query param, plus host (or the given headers)."""
    params = list(r.query) if params is None else params
    headers = {"host": signed_host or r.host} if headers is None else headers
    auth = signing.build_authorization(
        key.secret_id, secret or key.secret_key, r.method, path or r.paths[0], params, headers, start, end
    )
    return dataclasses.replace(r, headers={**r.headers, "authorization": auth})


def ok(r: SignedRequest, settings: Settings = SETTINGS, now: float = NOW, **kw: bool) -> AuthOutcome:
    return authenticate(r, settings, now, **kw)


def fails(r: SignedRequest, code: str, settings: Settings = SETTINGS, now: float = NOW, **kw: bool) -> CosError:
    with pytest.raises(CosError) as info:
        authenticate(r, settings, now, **kw)
    assert info.value.code == code, info.value
    return info.value


def url_request(url: str, host: str = HOST) -> SignedRequest:
    parts = urlsplit(url)
    return SignedRequest(
        "GET", (parts.path,), tuple(parse_qsl(parts.query, keep_blank_values=True)), {"host": host}, host
    )


# --- the vectors, as the server receives them ---


def test_v1_header_verifies_with_the_canonical_strings() -> None:
    r = req(headers={"authorization": VEC["V1"]["expect"]["authorization"]})
    out = ok(r)
    assert (out.verdict, out.principal.secret_id, out.principal.key) == ("signed", SID, SETTINGS.keys[0])
    assert out.http_string == VEC["V1"]["expect"]["http_string"]
    assert out.string_to_sign == VEC["V1"]["expect"]["string_to_sign"]


@pytest.mark.parametrize("name", ["V2", "V2-node"])
def test_v2_chinese_path_and_seven_params(name: str) -> None:
    vec = VEC[name]
    query = tuple(vec["params"].items())
    r = req(path=vec["path"], query=query, headers={"authorization": vec["expect"]["authorization"]})
    assert ok(r, now=NOW + 1).verdict == "signed"


def test_v3_detect_url() -> None:
    vec = VEC["V3"]
    r = req(
        path="/",
        query=tuple(vec["params"].items()),
        headers={"authorization": vec["expect"]["authorization"]},
    )
    assert ok(r).verdict == "signed"


@pytest.mark.parametrize("semicolon", ["%3B", ";"])
def test_v1_presigned_url_with_encoded_or_raw_semicolon(semicolon: str) -> None:
    # Python urlencodes ';' as %3B, Node leaves it raw (§3.6); the q-* params are never signed.
    out = ok(url_request(VEC["V1-presigned"]["url"].replace("%3B", semicolon)))
    assert out.verdict == "presigned"
    assert out.http_string == VEC["V1-presigned"]["expect"]["http_string"]


def test_presigned_expires_after_300s() -> None:
    err = fails(url_request(VEC["V1-presigned"]["url"]), "AccessDenied", now=1_700_000_301)
    assert err.message == "Request has expired"


def test_go_sign_merged_form() -> None:
    vec = VEC["V1-presigned"]
    r = req(query=(("ci-process", "OCR"), ("sign", vec["expect"]["authorization"])))
    assert ok(r).verdict == "presigned"
    bad = req(query=(("ci-process", "OCR"), ("sign", vec["expect"]["authorization"][:-1] + "0")))
    fails(bad, "SignatureDoesNotMatch")


def test_header_wins_over_query_signature() -> None:
    r = url_request(VEC["V1-presigned"]["url"])
    r = dataclasses.replace(r, headers={**r.headers, "authorization": "q-sign-algorithm=md5"})
    fails(r, "AccessDenied")


# --- time windows ---


def test_expired_and_last_valid_second() -> None:
    r = sign(req(), end=NOW + 5)
    assert ok(r, now=NOW + 5).verdict == "signed"
    err = fails(r, "AccessDenied", now=NOW + 5.5)
    assert err.message == "Request has expired"  # Node's clock-skew correction matches this (§8.2)


def test_start_in_the_future() -> None:
    assert ok(sign(req(), start=NOW + SETTINGS.clock_skew)).verdict == "signed"
    err = fails(sign(req(), start=NOW + SETTINGS.clock_skew + 1), "RequestTimeTooSkewed")
    assert err.status == 403


def test_key_time_differs_from_sign_time() -> None:
    r = req()
    hs = signing.http_string("GET", r.paths[0], dict(r.query), {"host": HOST})
    base = f"q-sign-algorithm=sha1&q-ak={SID}&q-sign-time={NOW - 1};{NOW + 50}&q-key-time={NOW - 9};{NOW + 90}"
    lists = "&q-header-list=host&q-url-param-list=ci-process&q-signature="
    # Python/Node put q-sign-time into StringToSign, Go q-key-time; SignKey always uses q-key-time.
    for sts_time in (f"{NOW - 1};{NOW + 50}", f"{NOW - 9};{NOW + 90}"):
        sig = signing.signature(SK, f"{NOW - 9};{NOW + 90}", hs, sign_time=sts_time)
        assert (
            ok(dataclasses.replace(r, headers={**r.headers, "authorization": base + lists + sig})).verdict == "signed"
        )
    err = fails(
        dataclasses.replace(r, headers={**r.headers, "authorization": base + lists + "0" * 40}),
        "AccessDenied",
        now=NOW + 51,
    )
    assert err.message == "Request has expired"  # the shorter window counts


# --- keys and signatures ---


def test_unknown_secret_id() -> None:
    fails(sign(req(), key=KeyPair("AKIDNOBODY", SK)), "InvalidAccessKeyId")


def test_wrong_secret_reports_the_server_strings() -> None:
    err = fails(sign(req(), secret="not-the-secret"), "SignatureDoesNotMatch")
    assert err.status == 403
    assert err.extra["FormatString"] == VEC["V1"]["expect"]["http_string"]
    assert err.extra["StringToSign"] == VEC["V1"]["expect"]["string_to_sign"]
    assert "\n" in err.extra["StringToSign"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: dataclasses.replace(r, query=(("ci-process", "OCR2"),)),
        lambda r: dataclasses.replace(r, paths=("/doc/receipt.png",)),
        lambda r: dataclasses.replace(r, method="PUT"),
        lambda r: dataclasses.replace(r, headers={**r.headers, "x-cos-meta-a": "2"}),
        lambda r: dataclasses.replace(r, host="other-1250000000.cos.ap-guangzhou.myqcloud.com"),
        lambda r: dataclasses.replace(r, headers={**r.headers, "authorization": r.headers["authorization"][:-1] + "x"}),
    ],
    ids=["param", "path", "method", "signed-header", "host", "signature"],
)
def test_tampering_breaks_the_signature(tamper: Any) -> None:
    r = sign(req(headers={"x-cos-meta-a": "1"}), headers={"host": HOST, "x-cos-meta-a": "1"})
    assert ok(r).verdict == "signed"
    err = fails(tamper(r), "SignatureDoesNotMatch")
    assert err.extra["StringToSign"].startswith("sha1\n")


def test_extra_unsigned_params_and_headers_are_ignored() -> None:
    r = sign(req())
    r = dataclasses.replace(
        r,
        query=(*r.query, ("response-content-type", "text/plain")),
        headers={**r.headers, "user-agent": "x", "x-cos-unsigned": "1", "content-type": "a/b"},
    )
    assert ok(r).verdict == "signed"


def test_listed_but_absent_names_sign_as_empty() -> None:
    r = sign(req(), params={"ci-process": "OCR", "uploads": ""}, headers={"host": HOST, "range": ""})
    assert ok(r).http_string == f"get\n/doc/receipt.jpg\nci-process=OCR&uploads=\nhost={HOST}&range=\n"


def test_param_names_match_case_insensitively_and_plus_is_space() -> None:
    # SDKs send partNumber/uploadId but list them lower-case; '+' arrives decoded as a space (§2).
    r = req(query=(("partNumber", "1"), ("uploadId", "a b")))
    assert (ok(sign(r)).http_string or "").split("\n")[2] == "partnumber=1&uploadid=a%20b"


def test_go_repeated_query_names() -> None:
    r = req(query=(("tag", "b"), ("tag", "a")))
    hs = signing.http_string("GET", r.paths[0], [("tag", "a"), ("tag", "b")], {"host": HOST})
    sig = signing.signature(SK, f"{NOW};{NOW + 3600}", hs)
    auth = (
        f"q-sign-algorithm=sha1&q-ak={SID}&q-sign-time={NOW};{NOW + 3600}&q-key-time={NOW};{NOW + 3600}"
        f"&q-header-list=host&q-url-param-list=tag;tag&q-signature={sig}"
    )
    assert ok(dataclasses.replace(r, headers={**r.headers, "authorization": auth})).verdict == "signed"


def test_signed_header_names_that_need_encoding() -> None:
    # Header names may hold token characters outside A-Za-z0-9-_.~ ('*', '+', '!'): q-header-list
    # lists them encoded (`x-cos-meta-a%2ab`), and their values are signed like any other.
    sent = {"x-cos-meta-a*b": "1", "x-cos-meta-c+d": "2", "x-cos-meta-plain": "3"}
    r = sign(req(headers=sent), headers={"host": HOST, **sent})
    assert "x-cos-meta-a%2ab;x-cos-meta-c%2bd" in r.headers["authorization"]
    assert ok(r).http_string == (
        f"get\n/doc/receipt.jpg\nci-process=OCR\nhost={HOST}&x-cos-meta-a%2ab=1&x-cos-meta-c%2bd=2&x-cos-meta-plain=3\n"
    )
    fails(dataclasses.replace(r, headers={**r.headers, "x-cos-meta-c+d": "9"}), "SignatureDoesNotMatch")


def test_upper_case_hex_signature_is_accepted() -> None:
    r = sign(req())
    auth = r.headers["authorization"]
    head, sig = auth.rsplit("=", 1)
    assert ok(dataclasses.replace(r, headers={**r.headers, "authorization": f"{head}={sig.upper()}"}))


# --- host and path variants (§3.4, §1.5) ---


@pytest.mark.parametrize(
    ("sent", "signed"),
    [
        ("127.0.0.1:8080", "127.0.0.1"),  # Python Domain mode: urlparse(url).hostname
        ("127.0.0.1:8080", "127.0.0.1:8080"),  # Node Domain mode, Go
        ("LocalHost:8080", "localhost"),  # hostname is lower-cased by urlparse
        ("[::1]:8080", "::1"),
        ("[::1]:8080", "[::1]:8080"),
        (HOST, HOST),
    ],
)
def test_host_with_and_without_port(sent: str, signed: str) -> None:
    assert ok(sign(req(host=sent), signed_host=signed)).verdict == "signed"


def test_host_with_another_port_fails_and_reports_the_host_as_received() -> None:
    err = fails(sign(req(host="127.0.0.1:8080"), signed_host="127.0.0.1:9090"), "SignatureDoesNotMatch")
    assert "\nhost=127.0.0.1%3A8080\n" in err.extra["FormatString"]


def test_path_style_candidates() -> None:
    r = req(host="127.0.0.1:8080", paths=("/a.jpg", "/bucket-1250000000/a.jpg"))
    assert ok(sign(r, path="/bucket-1250000000/a.jpg")).verdict == "signed"
    assert ok(sign(r, path="/a.jpg")).verdict == "signed"
    err = fails(sign(r, path="/b.jpg"), "SignatureDoesNotMatch")
    assert err.extra["FormatString"].split("\n")[1] == "/a.jpg"


# --- security token (§3.5) ---


def test_token_signed_in_header_python_go() -> None:
    r = req(headers={"x-cos-security-token": "TOKEN123"})
    assert ok(sign(r, key=TEMP, headers={"host": HOST, "x-cos-security-token": "TOKEN123"})).verdict == "signed"


def test_token_unsigned_in_header_node() -> None:
    assert ok(sign(req(headers={"x-cos-security-token": "TOKEN123"}), key=TEMP)).verdict == "signed"


def test_token_in_query_signed_or_not() -> None:
    r = req(query=(("ci-process", "OCR"), ("x-cos-security-token", "TOKEN123")))
    assert ok(sign(r, key=TEMP)).verdict == "signed"  # Python Params / Go: signed
    assert ok(sign(r, key=TEMP, params={"ci-process": "OCR"})).verdict == "signed"  # Node getObjectUrl


def test_token_missing_wrong_expired() -> None:
    err = fails(sign(req(), key=TEMP), "AccessDenied")
    assert err.message == "The security token is missing"
    err = fails(sign(req(headers={"x-cos-security-token": "TOKEN124"}), key=TEMP), "InvalidAccessKeyId")
    assert err.message == "The security token is invalid"
    r = sign(req(headers={"x-cos-security-token": "TOKEN123"}), key=TEMP)
    assert ok(r, now=NOW + 600).verdict == "signed"
    assert fails(r, "ExpiredToken", now=NOW + 601).status == 400


def test_token_is_ignored_for_a_permanent_key() -> None:
    r = req(headers={"x-cos-security-token": "whatever"})
    assert ok(sign(r, headers={"host": HOST, "x-cos-security-token": "whatever"})).verdict == "signed"


# --- anonymous ---


@pytest.mark.parametrize("header", [None, "", "  "])  # Python Anonymous=True sends an empty header
def test_anonymous_read_of_a_public_bucket(header: str | None) -> None:
    r = req(headers=None if header is None else {"authorization": header})
    out = ok(r, public_read=True, read_only=True)
    assert (out.verdict, out.principal.secret_id, out.principal.key) == ("anonymous", None, None)


@pytest.mark.parametrize(("public_read", "read_only"), [(False, True), (True, False), (False, False)])
@pytest.mark.parametrize("mode", ["strict", "warn"])
def test_anonymous_denied_otherwise(public_read: bool, read_only: bool, mode: str) -> None:
    settings = dataclasses.replace(SETTINGS, auth_mode=mode)
    err = fails(req(), "AccessDenied", settings, public_read=public_read, read_only=read_only)
    assert err.message == "Anonymous access is denied; sign the request (q-sign-algorithm=sha1)"


def test_a_signed_request_on_a_public_bucket_is_still_checked() -> None:
    fails(sign(req(), secret="bad"), "SignatureDoesNotMatch", public_read=True, read_only=True)


# --- modes and logging ---


def test_warn_mode_accepts_a_mismatch_and_logs_both_strings(caplog: pytest.LogCaptureFixture) -> None:
    settings = dataclasses.replace(SETTINGS, auth_mode="warn")
    with caplog.at_level(logging.WARNING, logger="cos_ocr_emulator.auth"):
        out = ok(sign(req(), secret="bad"), settings)
    assert (out.verdict, out.principal.secret_id) == ("mismatch-warned", SID)
    assert out.string_to_sign == VEC["V1"]["expect"]["string_to_sign"]
    text = caplog.text
    assert repr(VEC["V1"]["expect"]["http_string"]) in text
    assert repr(VEC["V1"]["expect"]["string_to_sign"]) in text
    assert ok(sign(req()), settings).verdict == "signed"
    fails(sign(req(), key=KeyPair("AKIDNOBODY", SK)), "InvalidAccessKeyId", settings)


def test_debug_log_has_the_canonical_strings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="cos_ocr_emulator.auth"):
        ok(sign(req()))
    assert repr(VEC["V1"]["expect"]["http_string"]) in caplog.text
    assert repr(VEC["V1"]["expect"]["string_to_sign"]) in caplog.text


@pytest.mark.parametrize(
    "r",
    [
        req(headers={"authorization": "\x00garbage&&=="}),
        req(),
        req(query=(("q-signature", "x"),)),
        sign(req(), secret="bad"),
    ],
)
def test_off_mode_accepts_anything(r: SignedRequest) -> None:
    out = ok(r, dataclasses.replace(SETTINGS, auth_mode="off"))
    assert (out.verdict, out.principal.key) == ("auth-off", None)


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("q-sign-algorithm=sha1&q-ak=AKID", "Authorization is missing q-sign-time"),
        ("q-sign-algorithm=md5&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-signature=a", "must be sha1"),
        (
            "q-sign-algorithm=sha1&q-ak=a&q-sign-time=now&q-key-time=1;2&q-signature=a",
            "q-sign-time is malformed",
        ),
        ("Basic dXNlcjpwYXNz", "has no '='"),
    ],
)
def test_malformed_authorization_header(auth: str, message: str) -> None:
    err = fails(req(headers={"authorization": auth}), "AccessDenied")
    assert message in err.message


def test_malformed_presigned_query() -> None:
    err = fails(req(query=(("q-signature", "abc"), ("q-ak", SID))), "AccessDenied")
    assert err.message == "Authorization is missing q-sign-algorithm"


def test_garbage_bytes_in_path_and_signature_do_not_crash() -> None:
    r = sign(req(path="/a\udcff\udcfe.jpg"))
    assert ok(r).verdict == "signed"
    head, _ = r.headers["authorization"].rsplit("=", 1)
    fails(
        dataclasses.replace(r, headers={**r.headers, "authorization": head + "=\ud800é"}),
        "SignatureDoesNotMatch",
    )
