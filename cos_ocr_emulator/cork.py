"""One TCP segment for a small answer: the edge corks the connection while a response goes out.

uvicorn writes a response's head and its body with two socket writes, and with TCP_NODELAY (asyncio's
default) each leaves as its own segment: two packets, two wake-ups of the client, two trips through the
kernel's TCP path, for a 1 KiB GET. With TCP_CORK set from the head until the last body message has
been handed to the transport, the kernel sends what fits together (a small answer: one segment; a big
one: full segments, as before). A head with no body after it (a PUT's 200, HEAD, 204, 304) is one write
already and is not corked (`edge.has_body`). Uncorking sends whatever is left at once, so nothing waits; the edge
uncorks in every way a request can end, and a socket that refuses the option is simply not corked.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Protocol


class _Sock(Protocol):
    def setsockopt(self, level: int, option: int, value: int, /) -> None: ...


_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class Cork:
    """TCP_CORK on one connection's socket, for the duration of one response."""

    __slots__ = ("_corked", "_sock")

    def __init__(self, transport: asyncio.BaseTransport | None) -> None:
        sock = transport.get_extra_info("socket") if transport is not None else None
        ok = sock is not None and hasattr(socket, "TCP_CORK") and getattr(sock, "family", None) in _TCP_FAMILIES
        self._sock: _Sock | None = sock if ok else None
        self._corked = False

    def close(self) -> None:
        """Hold partial segments back until `open` (the response head is about to go out)."""
        self._set(True)

    def open(self) -> None:
        """Send what is held back now; a no-op unless corked."""
        if self._corked:
            self._set(False)

    @property
    def corked(self) -> bool:
        return self._corked

    def _set(self, on: bool) -> None:
        if self._sock is None:
            return
        try:
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, int(on))
        except OSError:  # the connection is already gone, or the socket refuses: send as it comes
            self._sock = None
            self._corked = False
            return
        self._corked = on
