"""The floor for bench/object_ops.py: the least an ASGI app on the same uvicorn can do for a 1 KiB GET/PUT.

    python bench/_floor.py PORT

Same server stack as the emulator (uvicorn, h11, uvloop when installed, no access log, no server or
date header of uvicorn's own), and an app that answers from memory: GET returns the body last PUT on
that path (1 KiB of filler before any PUT), PUT reads the whole body, keeps it and answers 200 with an
ETag. No signature check, no disk, no logging: what any HTTP server in Python pays per request.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

FILLER = b"f" * 1024
_store: dict[str, bytes] = {}

Scope = dict[str, Any]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path = scope["path"]
    if scope["method"] == "PUT":
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        _store[path] = b"".join(chunks)
        headers = [(b"ETag", b'"0123456789abcdef0123456789abcdef"'), (b"Content-Length", b"0")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = _store.get(path, FILLER)
    headers = [(b"Content-Type", b"application/octet-stream"), (b"Content-Length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), http="h11", log_level="warning", access_log=False,
        server_header=False, date_header=False,
    )  # fmt: skip
