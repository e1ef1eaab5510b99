"""Bounded random requests (fixed seed, 400 of them) against a live server: whatever arrives, the
answer is never a 500, every error is a complete COS `<Error>`, and stored objects are untouched.

Requests are signed with the reference signer so they get past auth and reach the handlers; a third
of them are left unsigned or signed wrongly to exercise the refusal paths too.
"""

from __future__ import annotations

import hashlib
import random
import xml.etree.ElementTree as ET

import pytest
from conftest import raw_request

from cos_ocr_emulator.testing import RunningEmulator

SEED = 20261126
COUNT = 400

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]
QUERY_NAMES = [
    "ci-process", "type", "language-type", "ispdf", "pdf-pagenumber", "isword", "enable-word-polygon",
    "detect-url", "prefix", "delimiter", "marker", "max-keys", "encoding-type", "uploads", "uploadId",
    "partNumber", "delete", "location", "acl", "response-content-type", "max-parts", "part-number-marker",
]  # fmt: skip
HEADERS = [
    "Range", "Content-MD5", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
    "x-cos-copy-source", "x-cos-copy-source-range", "x-cos-metadata-directive", "x-cos-storage-class",
    "x-cos-meta-note", "Content-Type", "x-cos-acl", "x-cos-traffic-limit",
]  # fmt: skip
NASTY = ["", "0", "-1", "99999999999999999999", "OCR", "true", "maybe", "url", "bytes=5-2", "bytes=-0",
         "bytes=0-", "%", "%zz", "\u53d1\u7968", "a b+c", "../../x", "<x>", "examplebucket-1250000000.cos."
         "ap-guangzhou.myqcloud.com/seed.txt", "http://127.0.0.1:1/x.png", "file:///etc/passwd",
         "Mon, 01 Jan 2024 00:00:00 GMT", "not a date", "Replaced", "STANDARD", "GLACIER", "*", '"abc"']  # fmt: skip
BODIES = [b"", b"<Delete><Object><Key>a</Key></Object></Delete>", b"<CompleteMultipartUpload/>",
          b"<Delete><Object><Key></Key></Object></Delete>", b"\x00\xff garbage", b"<!DOCTYPE x []><Delete/>",
          b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"]  # fmt: skip
KEYS = ["seed.txt", "fuzz/a", "fuzz/../b", "fuzz/%41", "\u53d1\u7968/x y", "", "a" * 850]

pytestmark = pytest.mark.sdk


def random_request(rng: random.Random) -> dict[str, object]:
    params = [(rng.choice(QUERY_NAMES), rng.choice(NASTY)) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.3:
        params.append(("ci-process", "OCR"))
    headers = {name: rng.choice(NASTY) for name in rng.sample(HEADERS, rng.randint(0, 3))}
    headers = {k: v for k, v in headers.items() if v.isascii()}  # http.client sends latin-1 header values
    return {
        "method": rng.choice(METHODS),
        "key": rng.choice(KEYS),
        "params": params,
        "headers": headers,
        "body": rng.choice(BODIES) if rng.random() < 0.5 else None,
        "signed": rng.random() < 0.8,
    }


def test_random_requests_never_break_the_server(emu: RunningEmulator) -> None:
    client = emu.client()
    client.put_object(Bucket=emu.bucket, Key="seed.txt", Body=b"a copy source for the fuzz")
    keep = b"no fuzzed request names this key"
    client.put_object(Bucket=emu.bucket, Key="protected/keep.bin", Body=keep)
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    for number in range(COUNT):
        spec = random_request(rng)
        resp = raw_request(emu, **spec)  # type: ignore[arg-type]
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        assert resp.status != 500, (number, spec, resp.body[:500])
        assert resp.header("x-cos-request-id"), (number, spec)
        if resp.status >= 400 and spec["method"] != "HEAD":
            root = ET.fromstring(resp.body)
            assert root.tag == "Error", (number, spec, resp.body[:300])
            fields = {child.tag: child.text for child in root}
            assert all(fields.get(n) for n in ("Code", "Message", "Resource", "RequestId", "TraceId")), fields
    stored = client.get_object(Bucket=emu.bucket, Key="protected/keep.bin")["Body"].get_raw_stream().read()
    assert hashlib.md5(stored).hexdigest() == hashlib.md5(keep).hexdigest()
    print(sorted(statuses.items()))
    assert len(statuses) > 3, statuses  # the fuzz reached many different outcomes, not one refusal
