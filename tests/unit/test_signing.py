"""The reference signer against the docs/wire-compat.md §3.7 vectors, byte for byte, and its parser's refusals."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from signing_vectors import DATA, SID, SK, VECTORS

from cos_ocr_emulator.auth import signing
from cos_ocr_emulator.errors import CosError


def test_vector_file_has_every_case() -> None:
    assert [v["name"] for v in VECTORS] == ["V1", "V1-token", "V1-presigned", "V2", "V2-node", "V3"]


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_intermediates(vec: dict[str, Any]) -> None:
    expect = vec["expect"]
    key_time = f"{vec['start']};{vec['end']}"
    assert signing.sign_key(SK, key_time) == expect["sign_key"]
    hs = signing.http_string(vec["method"], vec["path"], vec["params"], vec["headers"])
    assert hs == expect["http_string"]
    assert hashlib.sha1(hs.encode("utf-8")).hexdigest() == expect["sha1"]
    assert signing.string_to_sign(key_time, hs) == expect["string_to_sign"]
    assert signing.signature(SK, key_time, hs) == expect["signature"]
    auth = signing.build_authorization(
        SID, SK, vec["method"], vec["path"], vec["params"], vec["headers"], vec["start"], vec["end"]
    )
    assert auth == expect["authorization"]


def test_v2_path_is_raw_utf8() -> None:
    vec = next(v for v in VECTORS if v["name"] == "V2")
    assert vec["path"].encode("utf-8").hex() == vec["path_utf8_hex"]
    assert vec["expect"]["http_string"].split("\n")[1] == vec["path"]


def test_presign_query_rebuilds_the_python_url() -> None:
    vec = next(v for v in VECTORS if v["name"] == "V1-presigned")
    pairs = signing.presign_query(SID, SK, "GET", vec["path"], vec["params"], vec["headers"], vec["start"], vec["end"])
    assert [name for name, _ in pairs] == list(signing.AUTH_FIELDS)
    # Python: urlencode(auth fields) then '&' + urlencode(Params) (§3.6), so ';' becomes %3B.
    url = f"https://{DATA['host']}{vec['path']}?{urlencode(pairs)}&{urlencode(vec['params'])}"
    assert url == vec["url"]


def test_parse_authorization_round_trips_v1() -> None:
    expect = VECTORS[0]["expect"]
    fields = signing.parse_authorization(expect["authorization"])
    assert fields == {
        "q-sign-algorithm": "sha1",
        "q-ak": SID,
        "q-sign-time": "1699999940;1700010000",
        "q-key-time": "1699999940;1700010000",
        "q-header-list": "host",
        "q-url-param-list": "ci-process",
        "q-signature": expect["signature"],
    }


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("abcXYZ019-_.~", "abcXYZ019-_.~"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("doc/receipt.jpg", "doc%2Freceipt.jpg"),
        ("127.0.0.1:8080", "127.0.0.1%3A8080"),
        ("!'()*", "%21%27%28%29%2A"),
        ("发", "%E5%8F%91"),
        ("", ""),
    ],
)
def test_cos_quote(text: str, encoded: str) -> None:
    assert signing.cos_quote(text) == encoded


def test_names_are_lowercased_after_encoding_values_are_not() -> None:
    line = signing.canonical_line({"Content-Type": "Text/Plain", "X-Cos-Meta-名": "V a"})
    assert line == "content-type=Text%2FPlain&x-cos-meta-%e5%90%8d=V%20a"
    assert signing.signed_names({"uploadId": "1", "partNumber": "2"}) == "partnumber;uploadid"


def test_repeated_names_sign_every_value_sorted() -> None:
    # Go signs all values of a repeated query name, sorted (§3.1).
    line = signing.canonical_line([("tag", "b"), ("a", ""), ("tag", "a c")])
    assert line == "a=&tag=a%20c&tag=b"


def test_key_time_differs_from_sign_time() -> None:
    hs = signing.http_string("GET", "/", {}, {"host": "h"})
    auth = signing.build_authorization(SID, SK, "GET", "/", {}, {"host": "h"}, 10, 20, key_time="5;30")
    fields = signing.parse_authorization(auth)
    assert (fields["q-sign-time"], fields["q-key-time"]) == ("10;20", "5;30")
    # SignKey from the key time, StringToSign with the sign time (§3.1).
    assert fields["q-signature"] == signing.signature(SK, "5;30", hs, sign_time="10;20")
    assert fields["q-signature"] != signing.signature(SK, "5;30", hs)


def _auth_without(field: str, replace: str | None = None) -> str:
    fields = signing.parse_authorization(VECTORS[0]["expect"]["authorization"])
    parts = []
    for name, value in fields.items():
        if name == field:
            if replace is None:
                continue
            value = replace
        parts.append(f"{name}={value}")
    return "&".join(parts)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (_auth_without("q-signature"), "Authorization is missing q-signature"),
        (_auth_without("q-signature", ""), "Authorization is missing q-signature"),
        (_auth_without("q-ak"), "Authorization is missing q-ak"),
        (_auth_without("q-key-time"), "Authorization is missing q-key-time"),
        (_auth_without("q-sign-algorithm"), "Authorization is missing q-sign-algorithm"),
        (_auth_without("q-sign-algorithm", "hmac-sha256"), "q-sign-algorithm must be sha1"),
        (_auth_without("q-sign-time", "abc;def"), "q-sign-time is malformed: 'abc;def'"),
        (_auth_without("q-sign-time", "1700000000"), "q-sign-time is malformed: '1700000000'"),
        (_auth_without("q-sign-time", "20;10"), "q-sign-time is malformed: '20;10' (start is after end)"),
        (_auth_without("q-key-time", "１;２"), "q-key-time is malformed"),  # full-width digits
        (_auth_without("q-sign-time", "9" * 5000 + ";1"), "q-sign-time is malformed"),
        ("Bearer abc", "has no '='"),
        ("garbage", "has no '='"),
        ("q-ak=a&q-ak=b", "Authorization has q-ak twice"),
        ("&&&", "Authorization is missing q-sign-algorithm"),
    ],
)
def test_parse_authorization_refuses_malformed(value: str, message: str) -> None:
    with pytest.raises(CosError) as info:
        signing.parse_authorization(value)
    assert info.value.code == "AccessDenied"
    assert info.value.status == 403
    assert message in info.value.message


def test_parse_authorization_tolerates_spaces_and_unknown_fields() -> None:
    auth = VECTORS[0]["expect"]["authorization"]
    fields = signing.parse_authorization(f"  {auth.replace('&', ' & ')}&q-extra=1 ")
    assert fields == signing.parse_authorization(auth)
    assert "q-extra" not in fields


@pytest.mark.parametrize(
    "spelling",
    [
        lambda a: a,  # as the SDKs send it: the exact form
        lambda a: a.replace("q-ak=", "q-ak= "),  # a blank in a value
        lambda a: a.replace("q-ak=", "Q-AK="),  # a name in upper case
        lambda a: a + "&q-extra=1",  # an extra field
        lambda a: "&".join(reversed(a.split("&"))),  # another order
        lambda a: a.replace("q-ak=", "q-akx="),  # a name that only starts like a field's
        lambda a: a.replace("&q-signature=", "&q-signature==x"),  # '=' inside a value
    ],
)
def test_the_exact_form_parses_like_any_other_spelling(spelling: Callable[[str], str]) -> None:
    """The fast path for the SDKs' own spelling (`_exact_fields`) either steps aside or agrees with the
    general parse, field for field."""
    for vector in VECTORS:
        value = spelling(vector["expect"]["authorization"])
        exact = signing._exact_fields(value)
        assert exact is None or exact == signing._any_fields(value)
    assert signing._exact_fields(VECTORS[0]["expect"]["authorization"]) is not None


def test_lists_default_to_empty() -> None:
    fields = signing.parse_authorization(_auth_without("q-url-param-list"))
    assert fields["q-url-param-list"] == ""


def test_garbage_never_crashes_the_encoder() -> None:
    # A path decoded with surrogateescape keeps its raw bytes; stray surrogates become '?'.
    assert signing.cos_quote("a\udcff") == "a%FF"
    assert signing.cos_quote("\ud800") == "%3F"
    assert len(signing.sign_key("\ud800", "1;2")) == 40
