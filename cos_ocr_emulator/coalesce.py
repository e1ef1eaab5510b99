"""One socket write for a response's head and its first body message.

uvicorn writes a response's head and its body with two `transport.write` calls, and with TCP_NODELAY
(asyncio's default) each leaves as its own segment: two packets, two wake-ups of the client, two trips
through the kernel's TCP path, for a 1 KiB GET. The edge therefore stands in for the transport of
uvicorn's request cycle (the object `send` is bound to, which writes through its `transport`
attribute) from the head until the next write: the head is held, and the body write that follows
carries it, one `write`, one segment for a small answer. This replaced setting TCP_CORK around the
response, which cost two extra system calls per answer.

Only what uvicorn's h11 cycle calls on its transport is needed (`write`, `is_closing`, `close`). A
`send` that is not bound to such an object (another server, a test double) is left alone; a held head
is written however the request ends (`release`), before anything else can be written after it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class _Cycle(Protocol):
    """uvicorn's request cycle, as far as it matters here: it writes through this attribute."""

    transport: object


class Coalesce:
    """Holds the head of one response (see the module docstring)."""

    __slots__ = ("_cycle", "_head", "_holding", "_transport")

    def __init__(self, send: object) -> None:
        cycle: _Cycle | None = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        self._cycle = cycle if isinstance(transport, asyncio.Transport) else None
        self._transport = transport if isinstance(transport, asyncio.Transport) else None
        self._holding = False
        self._head = b""

    @property
    def holding(self) -> bool:
        return self._holding

    def hold(self) -> None:
        """The head is about to be sent: keep it for the next write."""
        if self._cycle is not None:
            self._holding = True
            self._cycle.transport = self

    def release(self) -> None:
        """Write a head still held now (the request ended without a body write); a no-op otherwise.
        Nothing is written to a transport already closing (the edge aborted a broken answer)."""
        if not self._holding:
            return
        transport = self._stand_down()
        head, self._head = self._head, b""
        if head and not transport.is_closing():
            transport.write(head)

    def _stand_down(self) -> asyncio.Transport:
        assert self._cycle is not None and self._transport is not None
        self._holding = False
        self._cycle.transport = self._transport  # from now on the cycle writes directly again
        return self._transport

    # --- the transport surface uvicorn's cycle uses while the head is held -----------------------
    def write(self, data: bytes) -> None:
        if not self._head:  # the head itself: keep it
            self._head = data
            return
        transport = self._stand_down()
        head, self._head = self._head, b""
        transport.write(head + data)

    def is_closing(self) -> bool:
        assert self._transport is not None
        return self._transport.is_closing()

    def close(self) -> None:
        transport = self._transport
        self.release()
        assert transport is not None
        transport.close()

    def __getattr__(self, name: str) -> object:
        """Anything else a uvicorn version may use its transport for (`writelines`,
        `get_extra_info`...): the held head goes out first, then the real transport answers, so a
        newer uvicorn costs the saved write, never a broken answer."""
        if name.startswith("_"):
            raise AttributeError(name)
        self.release()
        return getattr(self._transport, name)
