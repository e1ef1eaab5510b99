from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

import anyio
import httpx
import pytest

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr.source import decode_detect_url, fetch_detect_url


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("http://www.example.com/abc.jpg", "http://www.example.com/abc.jpg"),
        (quote("http://www.example.com/abc.jpg", safe=""), "http://www.example.com/abc.jpg"),
        # The API page's example, as the HTTP layer hands it over after its own decode.
        (unquote("http%25253A%25252F%25252Fwww.example.com%25252Fabc.jpg"), "http://www.example.com/abc.jpg"),
        ("https://h.example/a%20b.jpg?x=1", "https://h.example/a%20b.jpg?x=1"),  # stops once it is a URL
        ("HTTPS://H.example/x.png", "HTTPS://H.example/x.png"),
        ("  http://h/x.png ", "http://h/x.png"),
    ],
)
def test_decode(raw: str, url: str) -> None:
    assert decode_detect_url(raw) == url


@pytest.mark.parametrize(
    "raw", ["", "abc.jpg", "ftp://h/x.jpg", "file:///etc/passwd", quote("file:///etc/passwd", safe=""), "http:///x"]
)
def test_decode_refuses(raw: str) -> None:
    with pytest.raises(CosError) as info:
        decode_detect_url(raw)
    assert info.value.code == "InvalidArgument"


async def no_local(url: str) -> bytes | None:
    return None


def fetch(url: str, handler: httpx.MockTransport | None = None, **settings: object) -> bytes:
    async def main() -> bytes:
        return await fetch_detect_url(url, Settings(**settings), no_local, transport=handler)  # type: ignore[arg-type]

    return anyio.run(main)


def failure(url: str, handler: httpx.MockTransport, **settings: object) -> CosError:
    with pytest.raises(CosError) as info:
        fetch(url, handler, **settings)
    return info.value


def test_local_urls_never_touch_the_network() -> None:
    async def local(url: str) -> bytes | None:
        return b"from storage"

    def boom(request: httpx.Request) -> httpx.Response:
        raise AssertionError("network used")

    async def main() -> bytes:
        return await fetch_detect_url(
            "http://127.0.0.1/b/k.png", Settings(), local, transport=httpx.MockTransport(boom)
        )

    assert anyio.run(main) == b"from storage"


def test_download_and_redirects() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a":
            return httpx.Response(302, headers={"location": "/b"})
        return httpx.Response(200, content=b"image bytes")

    assert fetch("http://img.example/a", httpx.MockTransport(handler)) == b"image bytes"


def test_redirect_cap() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(302, headers={"location": "/again"}))
    error = failure("http://img.example/a", transport, detect_url_max_redirects=2)
    assert error.code == "ResourceDownloadFailed" and "redirected" in error.message


def test_redirect_to_another_scheme_or_denied_host() -> None:
    to_file = httpx.MockTransport(lambda request: httpx.Response(301, headers={"location": "file:///etc/passwd"}))
    assert failure("http://img.example/a", to_file).code == "ResourceDownloadFailed"
    to_internal = httpx.MockTransport(
        lambda request: httpx.Response(301, headers={"location": "http://internal.corp/x"})
    )
    error = failure("http://img.example/a", to_internal, detect_url_deny_hosts=("*.corp",))
    assert "not allowed" in error.message


def test_host_globs() -> None:
    ok = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x"))
    assert fetch("http://cdn.example.com/x", ok, detect_url_allow_hosts=("*.example.com",)) == b"x"
    assert failure("http://other.org/x", ok, detect_url_allow_hosts=("*.example.com",)).code == "ResourceDownloadFailed"


def test_http_errors() -> None:
    missing = httpx.MockTransport(lambda request: httpx.Response(404))
    assert "HTTP 404" in failure("http://img.example/x", missing).message

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    error = failure("http://img.example/x", httpx.MockTransport(refuse))
    assert error.code == "ResourceDownloadFailed" and isinstance(error.__cause__, httpx.ConnectError)


def test_size_cap_declared_and_streamed() -> None:
    big = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 100))
    assert "limit" in failure("http://img.example/x", big, detect_url_max_bytes=50).message

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(2):
            yield b"x" * 40

    def undeclared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # streamed: no Content-Length

    assert "limit" in failure("http://img.example/x", httpx.MockTransport(undeclared), detect_url_max_bytes=50).message
    assert fetch("http://img.example/x", httpx.MockTransport(undeclared), detect_url_max_bytes=80) == b"x" * 80


def test_timeout() -> None:
    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await anyio.sleep(5)
            return httpx.Response(200)

    async def main() -> None:
        await fetch_detect_url("http://img.example/x", Settings(detect_url_timeout=0.2), no_local, transport=Slow())

    with pytest.raises(CosError) as info:
        anyio.run(main)
    assert info.value.code == "ResourceDownloadFailed" and "timed out" in info.value.message
