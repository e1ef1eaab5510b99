"""Carrying out a fault rule on a live request, down to the TCP connection.

Dropping a connection or resetting it mid-body cannot be expressed in ASGI, so the outermost app
layer stores uvicorn's transport in the request scope (`state["transport"]`) and this module closes
(FIN) or aborts (RST) it directly. Without a transport (e.g. an in-process ASGI client) those actions
degrade to a 503 `ServiceUnavailable`, so the test still sees a failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from cos_ocr_emulator.admin.faults import FaultRule
from cos_ocr_emulator.errors import CosError


def _transport(scope: Scope) -> Any:
    return scope.get("state", {}).get("transport")


async def _cut(scope: Scope, *, reset: bool) -> None:
    transport = _transport(scope)
    if transport is None:
        raise CosError("ServiceUnavailable", "Injected connection fault (no transport to cut).")
    if reset:
        transport.abort()  # RST
    else:
        transport.close()  # FIN after what was already written
    await anyio.sleep(0.05)  # let uvicorn see connection_lost, so later sends are dropped quietly


class _CutResponse(Response):
    """Send the real response's headers and half its body, then cut the connection."""

    def __init__(self, inner: Response, *, reset: bool) -> None:
        self.inner = inner
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
        await _cut(scope, reset=self.reset)


async def inject(rule: FaultRule, scope: Scope, handler: Callable[[], Awaitable[Response]]) -> Response:
    """Apply `rule`; `handler` produces the normal response where the fault needs one."""
    info = scope.setdefault("state", {})
    info["fault"] = rule.action
    if not rule.request_id:
        info["suppress_request_id"] = True
    if rule.action == "delay":
        await anyio.sleep(rule.delay_seconds)
        return await handler()
    if rule.action == "error":
        if rule.bare:
            return Response(b"", status_code=rule.status, headers={"Content-Length": "0"})
        raise CosError(rule.code or "ServiceUnavailable", rule.message, status=rule.status)
    if rule.action == "drop":
        await _cut(scope, reset=False)
        return Response(b"", status_code=503)
    return _CutResponse(await handler(), reset=rule.action == "reset")
