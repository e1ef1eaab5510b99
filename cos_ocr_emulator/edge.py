"""The edge every request passes, as plain ASGI: the one place that sees a request whole.

It gives the request its COS-shaped ids and a `RequestRecord`, sends `/_emulator/*` on bare hosts to
the admin app and everything else to the COS app, and on the way out re-spells header names the way
COS does and adds `x-cos-request-id`, `x-cos-trace-id`, `Date` and `Server`. It turns every
exception into a COS `<Error>` (a `CosError` as itself, anything else as a logged 500
`InternalError`), and journals and logs each request exactly once: when the last byte goes out, or
when the request ends without that (the client left: one line, status 499, no traceback).
It also runs the ASGI lifespan (startup seeds the store, shutdown closes it).
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cos_ocr_emulator.accesslog import log_request
from cos_ocr_emulator.addressing import is_admin
from cos_ocr_emulator.asgi import ClientDisconnected, ConnectionCut, absolute_form, header
from cos_ocr_emulator.coalesce import Coalesce
from cos_ocr_emulator.cos_app import CosApp
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.record import STATUS_CLIENT_GONE, RequestRecord
from cos_ocr_emulator.responses import SERVER_COS, canonical_header, http_date_at
from cos_ocr_emulator.state import EmulatorState
from cos_ocr_emulator.xml.cos import render_error

log = logging.getLogger("cos_ocr_emulator")


_ID_HEADERS = (b"x-cos-request-id", b"x-cos-trace-id")
_SERVER = (b"Server", SERVER_COS.encode())


def finalize_headers(raw: list[tuple[bytes, bytes]], record: RequestRecord, date: str) -> list[tuple[bytes, bytes]]:
    """COS's spelling of every name, then Date, Server and the ids unless the app set them."""
    out: list[tuple[bytes, bytes]] = []
    present: set[bytes] = set()
    for name, value in raw:
        lower = name.lower()
        if not record.send_request_id and lower in _ID_HEADERS:  # the SDK fault keys answer without one
            continue
        present.add(lower)
        out.append((canonical_header(lower), value))
    if b"date" not in present:
        out.append((b"Date", date.encode()))
    if b"server" not in present:
        out.append(_SERVER)
    if record.send_request_id:
        if b"x-cos-request-id" not in present:
            out.append((b"x-cos-request-id", record.request_id.encode()))
        if b"x-cos-trace-id" not in present:
            out.append((b"x-cos-trace-id", record.trace_id.encode()))
    return out


def has_body(method: str, status: int, raw: list[tuple[bytes, bytes]]) -> bool:
    """Whether body bytes follow the head. Only then is the head held for the body's write (coalesce.py):
    a head alone (a PUT's 200, HEAD, 204, 304) is one write already, and holding it would only delay it."""
    return method != "HEAD" and status not in (204, 304) and (b"content-length", b"0") not in raw


def error_messages(error: CosError, record: RequestRecord, head: bool) -> tuple[Message, Message]:
    """The start and body messages of a COS error response (no body for HEAD)."""
    if error.resource is None and record.bucket:
        error.resource = f"{record.bucket}/{record.key or ''}"
    body = b"" if head else render_error(error, record.request_id, record.trace_id)
    headers = {"Content-Type": "application/xml", **error.headers, "Content-Length": str(len(body))}
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    start: Message = {"type": "http.response.start", "status": error.status, "headers": raw}
    return start, {"type": "http.response.body", "body": body}


class Edge:
    def __init__(self, state: EmulatorState, admin_app: ASGIApp) -> None:
        self.state = state
        self.admin_app = admin_app
        self.cos_app = CosApp(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.state.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    raise
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.state.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _record(self, scope: Scope) -> RequestRecord:
        ids = self.state.ids
        request_id = ids.request_id()
        return RequestRecord(
            request_id=request_id,
            trace_id=ids.trace_id(request_id),
            arrived=ids.now(),
            started=time.perf_counter(),
            epoch=self.state.journal.epoch,
            method=scope["method"],
            host=header(scope, b"host"),
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            _finish=self._write,
        )

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        absolute_form(scope)
        record = self._record(scope)
        # uvicorn's `send` is a bound method of its protocol cycle, which holds the TCP transport.
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        record.transport = transport if isinstance(transport, asyncio.Transport) else None
        record.admin = is_admin(record.host, record.path)
        coalesce = Coalesce(send)  # head and body of a small answer in one write (coalesce.py)

        async def edge_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status, record.response_started = message["status"], True
                date = http_date_at(int(self.state.ids.now()))
                raw = message.get("headers", [])
                message["headers"] = finalize_headers(list(raw), record, date)
                if has_body(scope["method"], record.status, raw):
                    coalesce.hold()
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Journal before the last byte leaves: a client that has its answer can already read
                # its entry from /_emulator/requests.
                record.finish()
            await send(message)

        try:
            if record.admin:
                await self.admin_app(scope, receive, edge_send)
            else:
                await self.cos_app(scope, receive, edge_send, record)
        except (ClientDisconnected, ClientDisconnect):
            if not record.response_started:
                record.status = STATUS_CLIENT_GONE
        except ConnectionCut:
            pass
        except CosError as exc:
            coalesce.release()  # a head already sent goes out before the connection may be cut
            await self._answer(exc, record, scope, edge_send)
        except Exception as exc:
            log.exception("request %s: unexpected %s: %s", record.request_id, type(exc).__name__, exc)
            coalesce.release()
            await self._answer(CosError("InternalError"), record, scope, edge_send)
        finally:
            coalesce.release()
            record.finish()

    async def _answer(self, error: CosError, record: RequestRecord, scope: Scope, send: Send) -> None:
        record.error_code = error.code
        if "StringToSign" in error.extra:
            record.string_to_sign = error.extra["StringToSign"]
        if error.status >= 500 and error.code not in ("NotImplemented", "InternalError"):
            log.error("request %s failed: %s", record.request_id, error)
        if record.response_started:
            # Headers already went out (a streamed body failed): nothing valid can follow, so cut the
            # connection; the client sees a short body rather than a corrupt one. (A response that was
            # already complete, e.g. the admin app's own 500, is left alone.)
            if record.transport is not None and not record.finished:
                record.transport.abort()
            return
        start, body = error_messages(error, record, head=scope["method"] == "HEAD")
        await send(start)
        await send(body)

    def _write(self, record: RequestRecord) -> None:
        """Journal and log one finished request (called once, through `RequestRecord.finish`)."""
        entry = record.entry((time.perf_counter() - record.started) * 1000)
        if record.admin:
            return  # the admin API is neither journaled nor access-logged
        self.state.journal.append(entry, record.epoch)
        log_request(entry, self.state.settings.log_format)
