"""Carrying out a fault rule on a live request, down to the TCP connection.

Dropping a connection or resetting it mid-body cannot be expressed in ASGI, so the edge keeps
uvicorn's transport in the request record and this module closes (FIN) or aborts (RST) it directly.
The request is journaled *before* the line is cut: a client that sees the failure can already find
its entry. Without a transport (an in-process ASGI client) those actions degrade to a 503
`ServiceUnavailable`, so the test still sees a failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from cos_ocr_emulator.admin.faults import FaultRule
from cos_ocr_emulator.asgi import ConnectionCut
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.record import STATUS_NO_RESPONSE, RequestRecord


async def _cut(record: RequestRecord, *, reset: bool) -> None:
    transport = record.transport
    if transport is None:
        raise CosError("ServiceUnavailable", "Injected connection fault (no transport to cut).")
    if not record.response_started:
        record.status = STATUS_NO_RESPONSE
    record.finish()
    if reset:
        transport.abort()  # RST
    else:
        transport.close()  # FIN after what was already written
    await anyio.sleep(0)  # let uvicorn see connection_lost before anything else is sent
    raise ConnectionCut()


class _CutResponse(Response):
    """Send the real response's headers and half its body, then cut the connection."""

    def __init__(self, inner: Response, record: RequestRecord, *, reset: bool) -> None:
        self.inner = inner
        self.record = record
        self.reset = reset
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.inner(scope, receive, capture)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        await send(messages[0])
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await _cut(self.record, reset=self.reset)


async def inject(rule: FaultRule, record: RequestRecord, handler: Callable[[], Awaitable[Response]]) -> Response:
    """Apply `rule`; `handler` produces the normal response where the fault needs one."""
    record.fault = rule.action
    record.send_request_id = rule.request_id
    if rule.action == "delay":
        await anyio.sleep(rule.delay_seconds)
        return await handler()
    if rule.action == "error":
        if rule.bare:
            return Response(b"", status_code=rule.status, headers={"Content-Length": "0"})
        raise CosError(rule.code or "ServiceUnavailable", rule.message, status=rule.status)
    if rule.action == "drop":
        await _cut(record, reset=False)
    return _CutResponse(await handler(), record, reset=rule.action == "reset")
