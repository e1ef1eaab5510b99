"""Recently read small bodies, kept in memory so a repeated GET skips its `inline_bodies` SELECT.

Safe without any invalidation: bodies are content-addressed (`blob_id` = SHA-256 of the bytes) and never
change, so a cached body can never be stale. Whether an object exists, and which body it names, is still
decided by its row (storage/readcache.py); this cache only answers "what are the bytes of <blob_id>".
A body some row stopped naming may linger here until it is evicted, but nothing reaches it without a row.
Bounded by total bytes; the least recently used bodies go first. Cleared on reset to give memory back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

# Total bytes of bodies kept. 16 MiB holds 16k 1 KiB bodies or 256 of the largest inline ones (64 KiB).
BODY_CACHE_BYTES = 16 * 1024 * 1024


class BodyCache:
    """Whole small bodies by blob_id, at most `limit` bytes in total. Thread-safe."""

    def __init__(self, limit: int = BODY_CACHE_BYTES) -> None:
        self._limit = limit
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, blob_id: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(blob_id)
            if body is not None:
                self._bodies.move_to_end(blob_id)
            return body

    def put(self, blob_id: str, body: bytes) -> None:
        if len(body) > self._limit:
            return
        with self._lock:
            if blob_id in self._bodies:
                return
            self._bodies[blob_id] = body
            self._bytes += len(body)
            while self._bytes > self._limit:
                _, old = self._bodies.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        """Total bytes held (for tests of the bound)."""
        return self._bytes
