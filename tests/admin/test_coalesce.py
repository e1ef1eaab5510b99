"""The edge hands a response's head and its first body message to the transport as one write
(coalesce.py), so a small answer leaves in one segment, and writes a held head however the request ends.

The protocol is uvicorn's own h11 protocol, fed raw request bytes; only the transport under it is a
stand-in that records each write (the segments themselves are the kernel's business and cannot be
observed from a client without timing it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import uvicorn
from starlette.types import Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from cos_ocr_emulator.app import HTTP_IMPLEMENTATION, create_app
from cos_ocr_emulator.auth.signing import build_authorization
from cos_ocr_emulator.coalesce import Coalesce
from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, Settings
from cos_ocr_emulator.edge import Edge

HOST = "127.0.0.1:8080"
BODY = b"x" * 1024


class Transport(asyncio.Transport):
    """What the protocol writes, one entry per `write` call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = self.aborted = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    now = 1_900_000_000
    auth = build_authorization(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, method, path, {}, {"host": HOST}, 0, now)
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {auth}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _exchange(app: Any, *requests: bytes) -> Transport:
    """Feed `requests` to uvicorn's h11 protocol over one connection; returns once all are answered."""

    async def run() -> Transport:
        config = uvicorn.Config(app, http=HTTP_IMPLEMENTATION, lifespan="off", log_level="warning")
        protocol = H11Protocol(config, ServerState(), {})
        transport = Transport()
        protocol.connection_made(transport)
        for data in requests:
            before = len(transport.writes)
            protocol.data_received(data)
            for _ in range(1000):  # until this answer is complete (the cycle's task ran to its end)
                await asyncio.sleep(0)
                if protocol.cycle is not None and protocol.cycle.response_complete and len(transport.writes) > before:
                    break
        protocol.connection_lost(None)
        return transport

    return asyncio.run(run())


@pytest.fixture
def edge(tmp_path: Path) -> Edge:
    app = create_app(Settings(storage="memory", data_dir=tmp_path, ocr_warm_instances=0))
    asyncio.run(app.state.startup())
    return app


def _answers(transport: Transport) -> list[bytes]:
    return [w for w in transport.writes if w]  # h11 ends a Content-Length body with an empty write


def test_a_small_answer_is_one_write(edge: Edge) -> None:
    put = _exchange(edge, _request("PUT", "/k.txt", BODY), _request("GET", "/k.txt"), _request("GET", "/missing"))
    put_answer, get_answer, missing = _answers(put)
    assert put_answer.startswith(b"HTTP/1.1 200 OK\r\n") and put_answer.endswith(b"\r\n\r\n")  # a head alone
    assert get_answer.startswith(b"HTTP/1.1 200 OK\r\n") and get_answer.endswith(b"\r\n\r\n" + BODY)
    assert missing.startswith(b"HTTP/1.1 404 Not Found\r\n") and missing.endswith(b"</Error>")


def test_a_head_without_a_body_is_written_alone(edge: Edge) -> None:
    """A HEAD answer has no body write to carry it: it goes out by itself, not held back."""
    transport = _exchange(edge, _request("PUT", "/k.txt", BODY), _request("HEAD", "/k.txt"))
    head = _answers(transport)[1]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n") and b"Content-Length: 1024" in head


def test_a_streamed_answer_sends_its_head_with_the_first_chunk(edge: Edge) -> None:
    async def streamed(scope: Scope, receive: Receive, send: Send, record: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6")]})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        await send({"type": "http.response.body", "body": b"def"})

    edge.cos_app = streamed  # type: ignore[assignment]
    first, second = _answers(_exchange(edge, _request("GET", "/k")))
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(b"\r\n\r\nabc") and second == b"def"


def test_a_held_head_is_written_before_the_connection_is_cut(edge: Edge) -> None:
    """An app that fails after its head: the edge cuts the connection (nothing valid can follow), and
    the client gets the head first, exactly as when the head was written at once."""

    async def broken(scope: Scope, receive: Receive, send: Send, record: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        raise RuntimeError("disk on fire")

    edge.cos_app = broken  # type: ignore[assignment]
    transport = _exchange(edge, _request("GET", "/k"))
    (head,) = _answers(transport)
    assert transport.aborted and head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")


def test_a_held_head_goes_out_if_the_request_ends_without_a_body(edge: Edge) -> None:
    """An app that sends a head announcing a body and then returns normally: the edge writes the head
    when the request ends, as it would have been written without coalescing."""

    async def headless(scope: Scope, receive: Receive, send: Send, record: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})

    edge.cos_app = headless  # type: ignore[assignment]
    (head,) = _answers(_exchange(edge, _request("GET", "/k")))
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")


def test_a_send_not_bound_to_a_transport_holder_is_left_alone() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:  # a plain function: no `__self__`, no transport
        sent.append(message)

    coalesce = Coalesce(send)
    coalesce.hold()
    coalesce.release()
    assert not coalesce.holding


def test_any_other_transport_call_sends_the_held_head_first_and_reaches_the_transport() -> None:
    # A uvicorn version that used its transport for more than write/is_closing/close while a head is
    # held gets the real transport's answer, and the head is not left behind.
    transport = Transport()

    class Cycle:
        def __init__(self) -> None:
            self.transport: object = transport

        async def send(self, message: Message) -> None:
            pass

    cycle = Cycle()
    coalesce = Coalesce(cycle.send)
    coalesce.hold()
    assert cycle.transport is coalesce
    coalesce.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == []
    extra = cast("Callable[[str], object]", coalesce.get_extra_info)  # not on Coalesce: the transport's
    assert extra("peername") == ("127.0.0.1", 50000)
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]
    restored: object = cycle.transport
    assert restored is transport and not coalesce.holding
