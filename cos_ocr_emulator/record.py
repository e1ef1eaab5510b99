"""What the edge knows about one request (`RequestRecord`) and where it ends up (`Journal`).

The edge creates the record when a request arrives and is the only writer of the journal and the
access log; the pipeline stages fill in what they learn (bucket, operation, principal, error code).
A record belongs to the journal *epoch* it arrived in: `Journal.clear()` (admin reset) starts a new
epoch, and an entry from an older one is dropped, so a request that was still finishing while a test
reset the emulator (a fault that cut its connection, a slow upload) never shows up afterwards.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypedDict


class JournalEntry(TypedDict):
    time: float
    request_id: str
    method: str
    host: str
    path: str
    query: str
    bucket: str | None
    key: str | None
    operation: str | None
    ci_process: str | None
    secret_id: str | None
    auth: str
    string_to_sign: str | None
    status: int
    error_code: str | None
    fault: str | None
    ocr_cache: str | None
    # OCR: the engine that read the image (tesserocr, pytesseract, ppocr or canned), and why it is not
    # the configured one (PP-OCR hands languages it does not read to Tesseract).
    ocr_engine: str | None
    ocr_fallback: str | None
    duration_ms: float


# Statuses the journal uses where no HTTP status reached the client.
STATUS_CLIENT_GONE = 499  # the client closed the connection before the answer started (nginx's 499)
STATUS_NO_RESPONSE = 0  # an injected fault dropped the connection without answering


@dataclass(eq=False)
class RequestRecord:
    request_id: str
    trace_id: str
    arrived: float  # wall clock (the emulator's clock: fixed in deterministic mode)
    started: float  # perf_counter, for the duration
    epoch: int
    method: str
    host: str
    path: str
    query: str
    # uvicorn's transport, so an injected fault can close or reset the TCP connection itself.
    transport: asyncio.Transport | None = None
    admin: bool = False
    bucket: str | None = None
    key: str | None = None
    operation: str | None = None
    ci_process: str | None = None
    secret_id: str | None = None
    auth: str = "-"
    string_to_sign: str | None = None
    status: int = 0
    error_code: str | None = None
    fault: str | None = None
    ocr_cache: str | None = None  # OCR only: hit | miss | off (cache disabled) | canned
    ocr_engine: str | None = None
    ocr_fallback: str | None = None
    send_request_id: bool = True  # the SDK fault keys answer without x-cos-request-id
    response_started: bool = False
    _finish: Callable[[RequestRecord], None] | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self._finish is None

    def finish(self) -> None:
        """Journal and log this request now, once; later calls do nothing. The edge calls it when the
        last byte goes out (or the request ends otherwise); a fault calls it before cutting the line."""
        finish, self._finish = self._finish, None
        if finish is not None:
            finish(self)

    def entry(self, duration_ms: float) -> JournalEntry:
        # A dict display, not `JournalEntry(...)`: calling a TypedDict builds the same dict through
        # keyword arguments at about twice the cost, once per request (same keys, same order).
        return {
            "time": self.arrived, "request_id": self.request_id, "method": self.method, "host": self.host,
            "path": self.path, "query": self.query, "bucket": self.bucket, "key": self.key,
            "operation": self.operation, "ci_process": self.ci_process, "secret_id": self.secret_id,
            "auth": self.auth, "string_to_sign": self.string_to_sign, "status": self.status,
            "error_code": self.error_code, "fault": self.fault, "ocr_engine": self.ocr_engine,
            "ocr_fallback": self.ocr_fallback, "ocr_cache": self.ocr_cache, "duration_ms": round(duration_ms, 2),
        }  # fmt: skip


class Journal:
    """The last `size` requests, newest last. Thread-safe (sync admin routes run in worker threads)."""

    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(size, 1))
        self._lock = threading.Lock()
        self._epoch = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    def append(self, entry: JournalEntry, epoch: int) -> bool:
        """Keep `entry` unless the journal was cleared since its request arrived."""
        with self._lock:
            if epoch != self._epoch:
                return False
            self._entries.append(entry)
            return True

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._epoch += 1
            return count

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
