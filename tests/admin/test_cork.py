"""The edge corks the TCP connection from a response's head to its last body message (cork.py), so a
small answer leaves in one segment, and uncorks however the request ends.

The transport is a stand-in recording the socket options the edge sets: the segments themselves are
the kernel's business and cannot be observed from a client without timing it.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from cos_ocr_emulator.app import create_app
from cos_ocr_emulator.auth.signing import build_authorization
from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, Settings
from cos_ocr_emulator.cork import Cork
from cos_ocr_emulator.edge import Edge

HOST = "127.0.0.1:8080"


class FakeSocket:
    def __init__(self, log: list[tuple[str, Any]], family: int = socket.AF_INET, refuse: bool = False) -> None:
        self.family, self.log, self.refuse = family, log, refuse

    def setsockopt(self, level: int, option: int, value: int) -> None:
        assert (level, option) == (socket.IPPROTO_TCP, socket.TCP_CORK)
        if self.refuse:
            raise OSError("refused")
        self.log.append(("cork", value))


class FakeTransport(asyncio.Transport):
    def __init__(self, sock: FakeSocket) -> None:
        super().__init__()
        self.sock, self.aborted = sock, False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default

    def abort(self) -> None:
        self.aborted = True


class Cycle:
    """Like uvicorn's RequestResponseCycle: `send` is a bound method whose object holds the transport."""

    def __init__(self, transport: FakeTransport, log: list[tuple[str, Any]]) -> None:
        self.transport, self.log = transport, log

    async def send(self, message: Message) -> None:
        self.log.append(("send", message["type"].rsplit(".", 1)[-1]))


def _scope(method: str, path: str) -> Scope:
    now = 1_900_000_000
    auth = build_authorization(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, method, path, {}, {"host": HOST}, 0, now)
    headers = [(b"host", HOST.encode()), (b"authorization", auth.encode())]
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": headers, "http_version": "1.1", "scheme": "http"}  # fmt: skip


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


@pytest.fixture
def edge(tmp_path: Path) -> Edge:
    app = create_app(Settings(storage="memory", data_dir=tmp_path, ocr_warm_instances=0))
    asyncio.run(app.state.startup())
    return app


def _serve(edge: Edge, scope: Scope, sock: FakeSocket, log: list[tuple[str, Any]]) -> FakeTransport:
    transport = FakeTransport(sock)
    asyncio.run(edge(scope, _receive, Cycle(transport, log).send))
    return transport


def test_head_and_body_go_out_corked_then_uncorked(edge: Edge) -> None:
    log: list[tuple[str, Any]] = []
    _serve(edge, _scope("GET", "/missing.txt"), FakeSocket(log), log)  # an error answer: the same path
    assert log == [("cork", 1), ("send", "start"), ("send", "body"), ("cork", 0)]


@pytest.mark.parametrize("method", ["PUT", "HEAD"])
def test_a_head_without_a_body_is_not_corked(edge: Edge, method: str) -> None:
    """A PUT's 200 (Content-Length: 0) and a HEAD answer are one write: corking them costs two system
    calls and saves no segment."""
    log: list[tuple[str, Any]] = []
    _serve(edge, _scope(method, "/k.txt"), FakeSocket(log), log)
    assert log == [("send", "start"), ("send", "body")]


def test_uncorked_when_the_app_fails_after_the_head(edge: Edge) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send, record: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("disk on fire")

    edge.cos_app = broken  # type: ignore[assignment]
    log: list[tuple[str, Any]] = []
    transport = _serve(edge, _scope("GET", "/k"), FakeSocket(log), log)
    assert transport.aborted and log == [("cork", 1), ("send", "start"), ("cork", 0)]


def test_a_socket_that_refuses_or_is_not_tcp_is_left_alone(edge: Edge) -> None:
    log: list[tuple[str, Any]] = []
    _serve(edge, _scope("GET", "/missing.txt"), FakeSocket(log, refuse=True), log)
    assert log == [("send", "start"), ("send", "body")]
    log.clear()
    _serve(edge, _scope("GET", "/missing.txt"), FakeSocket(log, family=socket.AF_UNIX), log)
    assert log == [("send", "start"), ("send", "body")]


def test_cork_without_a_transport_does_nothing() -> None:
    cork = Cork(None)
    cork.close()
    cork.open()
    assert not cork.corked
