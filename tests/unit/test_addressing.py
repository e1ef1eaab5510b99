"""Addressing vectors: every endpoint form the SDKs use (docs/wire-compat.md §1) lands on the right target."""

from __future__ import annotations

import pytest

from cos_ocr_emulator.addressing import is_admin, resolve, split_host
from cos_ocr_emulator.errors import CosError

DEFAULT = "examplebucket-1250000000"
EXISTING = {"examplebucket-1250000000", "other-1250000000", "legacy-1250000001"}

VECTORS = [
    # host, raw path, kind, bucket, key, style, sign paths
    ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", b"/doc/a.jpg", "object", DEFAULT, "doc/a.jpg", "virtual", ("/doc/a.jpg",)),
    ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com:8080", b"/", "bucket", DEFAULT, "", "virtual", ("/",)),
    ("other-1250000000.ci.ap-beijing.myqcloud.com", b"/x", "object", "other-1250000000", "x", "virtual", ("/x",)),
    ("other-1250000000.cos.accelerate.myqcloud.com", b"/x", "object", "other-1250000000", "x", "virtual", ("/x",)),
    ("other-1250000000.cos.ap-shanghai.tencentcos.cn", b"/x", "object", "other-1250000000", "x", "virtual", ("/x",)),
    ("other-1250000000.static.example.com", b"/x", "object", "other-1250000000", "x", "virtual", ("/x",)),
    ("127.0.0.1:8080", b"/other-1250000000/a/b.txt", "object", "other-1250000000", "a/b.txt", "path", ("/a/b.txt", "/other-1250000000/a/b.txt")),
    ("127.0.0.1:8080", b"/other-1250000000", "bucket", "other-1250000000", "", "path", ("/", "/other-1250000000")),
    ("127.0.0.1:8080", b"/legacy-1250000001/k", "object", "legacy-1250000001", "k", "path", ("/k", "/legacy-1250000001/k")),
    ("127.0.0.1:8080", b"/report-2024/q1.pdf", "object", DEFAULT, "report-2024/q1.pdf", "default", ("/report-2024/q1.pdf",)),
    ("localhost", b"/hello.txt", "object", DEFAULT, "hello.txt", "default", ("/hello.txt",)),
    ("127.0.0.1:8080", b"/", "bucket", DEFAULT, "", "default", ("/",)),
    ("127.0.0.1:8080", b"/go%2Fput.txt", "object", DEFAULT, "go/put.txt", "default", ("/go/put.txt",)),
    ("127.0.0.1:8080", b"/%E5%8F%91%E7%A5%A8%202024/scan%2001.png", "object", DEFAULT, "发票 2024/scan 01.png", "default", ("/发票 2024/scan 01.png",)),
    ("127.0.0.1:8080", b"/../../x", "object", DEFAULT, "../../x", "default", ("/../../x",)),
    ("127.0.0.1:8080", b"/abc/../", "object", DEFAULT, "abc/../", "default", ("/abc/../",)),
    ("service.cos.myqcloud.com", b"/", "service", None, "", "service", ("/",)),
    ("cos.ap-guangzhou.myqcloud.com", b"/", "service", None, "", "service", ("/",)),
    ("[::1]:8080", b"/k", "object", DEFAULT, "k", "default", ("/k",)),
    ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", b"/_emulator/health", "object", DEFAULT, "_emulator/health", "virtual", ("/_emulator/health",)),
]  # fmt: skip


@pytest.mark.parametrize(("host", "raw", "kind", "bucket", "key", "style", "paths"), VECTORS)
def test_resolve_vectors(host, raw, kind, bucket, key, style, paths):
    target = resolve(host, raw, default_bucket=DEFAULT, appid="1250000000", bucket_exists=EXISTING.__contains__)
    assert (target.kind, target.bucket, target.key, target.style, target.sign_paths) == (
        kind,
        bucket,
        key,
        style,
        paths,
    )


def test_region_comes_from_the_host():
    target = resolve("b-1250000000.cos.ap-beijing.myqcloud.com", b"/k", default_bucket=DEFAULT, appid="1250000000",
                     bucket_exists=lambda _: False)  # fmt: skip
    assert target.region == "ap-beijing"


def test_undecodable_path_is_invalid_uri():
    with pytest.raises(CosError) as info:
        resolve("127.0.0.1", b"/%ff%fe", default_bucket=DEFAULT, appid="1250000000", bucket_exists=lambda _: False)
    assert (info.value.code, info.value.status) == ("InvalidURI", 400)


def test_key_longer_than_850_bytes_is_refused():
    with pytest.raises(CosError) as info:
        resolve(
            "127.0.0.1", b"/" + b"k" * 851, default_bucket=DEFAULT, appid="1250000000", bucket_exists=lambda _: False
        )
    assert (info.value.code, info.value.status) == ("KeyTooLong", 400)
    target = resolve(
        "127.0.0.1", b"/" + b"k" * 850, default_bucket=DEFAULT, appid="1250000000", bucket_exists=lambda _: False
    )
    assert len(target.key) == 850


@pytest.mark.parametrize(
    ("raw", "host"), [("A.example.COM:80", "a.example.com"), ("[::1]:9", "::1"), ("h.", "h"), ("1.2.3.4", "1.2.3.4")]
)
def test_split_host(raw, host):
    assert split_host(raw) == host


@pytest.mark.parametrize(
    ("host", "path", "admin"),
    [
        ("127.0.0.1:8080", "/_emulator", True),
        ("127.0.0.1:8080", "/_emulator/", True),
        ("localhost", "/_emulator/health", True),
        ("[::1]:9000", "/_emulator/requests", True),
        ("cos.ap-guangzhou.myqcloud.com", "/_emulator/health", True),
        ("127.0.0.1:8080", "/_emulatorx", False),
        ("127.0.0.1:8080", "/examplebucket-1250000000/_emulator/health", False),
        ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", "/_emulator/health", False),
        ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", "/_emulator", False),
    ],
)
def test_is_admin(host, path, admin):
    assert is_admin(host, path) is admin
