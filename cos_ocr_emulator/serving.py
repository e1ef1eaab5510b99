"""Starting the server so that failures are one clear line: bind the port before anything is
announced, and learn from the ASGI lifespan whether startup completed or why it failed.

Used by the CLI and by the in-process test server (`testing.server`), so both report the same message.
"""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cos_ocr_emulator.app import create_app
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.config_values import ConfigError
from cos_ocr_emulator.edge import Edge
from cos_ocr_emulator.seed import SeedError


def bind(settings: Settings) -> socket.socket:
    """A TCP socket bound to settings.host:port (port 0 = any free port), or `ConfigError`
    naming the setting that is to blame (an address in use, a host that does not resolve)."""
    try:
        infos = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        problem = f"cannot resolve {settings.host!r}: {exc.strerror}"
        raise ConfigError("host", settings.source_of("host"), problem) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart may reuse a port whose old connections are in TIME_WAIT. (On Linux this
        # never lets two servers listen on one port: a live listener still makes bind fail.)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Bound, not yet listening: until uvicorn listens (after startup), a client is refused at once
        # rather than left waiting, as before this socket existed.
        sock.bind(address)
    except OSError as exc:
        sock.close()
        where = f"{settings.host}:{settings.port}"
        if exc.errno == errno.EADDRINUSE:
            problem = f"{where} is already in use (another server listens there; pick another port or 0 for any)"
        else:
            problem = f"cannot listen on {where}: {exc.strerror or exc}"
        blame = "host" if exc.errno == errno.EADDRNOTAVAIL else "port"  # not an address of this machine
        raise ConfigError(blame, settings.source_of(blame), problem) from None
    return sock


def open_app(settings: Settings) -> Edge:
    """The application, or `ConfigError` naming data_dir when the store there cannot be opened
    (not a database, a folder where the database file should be, no space...)."""
    try:
        return create_app(settings)
    except (OSError, sqlite3.Error) as exc:
        problem = f"cannot open the store in {str(settings.data_dir)!r}: {exc}"
        raise ConfigError("data_dir", settings.source_of("data_dir"), problem) from None


@dataclass
class StartupWatch:
    """Wraps the ASGI app and watches its lifespan: on failure `error` holds the exception (and the
    traceback stays out of uvicorn's log: the caller reports it in one line)."""

    app: ASGIApp
    error: BaseException | None = None
    ready: bool = False
    _failed: bool = field(default=False, repr=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                self._failed = True
                message = {**message, "message": ""}
            elif message["type"] == "lifespan.startup.complete":
                self.ready = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except BaseException as exc:
            if not self.ready:
                self.error = exc
            raise

    def failure(self, settings: Settings) -> ConfigError | str | None:
        """Why startup failed, or None: a `ConfigError` when a setting is to blame (the seed folder),
        else one line naming the exception."""
        if self.error is None:
            return "the application did not start" if self._failed else None
        text = str(self.error).strip().splitlines()
        line = text[0] if text else "no message"
        if isinstance(self.error, SeedError):
            return ConfigError("seed_dir", settings.source_of("seed_dir"), line)
        return f"{type(self.error).__name__}: {line}"


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server that calls `on_listening` once it accepts connections (after the app's startup),
    so "listening on" is never printed before a client can connect."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_listening()


class _StartupFailedLine(logging.Filter):
    """Drops uvicorn's "Application startup failed. Exiting." (the CLI says why, in one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Application startup failed" not in record.getMessage()


def quiet_startup_failure() -> None:
    logging.getLogger("uvicorn.error").addFilter(_StartupFailedLine())
