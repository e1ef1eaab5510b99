"""Request and trace ids shaped like COS's, and the clock; deterministic mode makes both repeatable.

A COS request id is base64 of `<8 hex time>_<6 hex>_<4 hex>_<counter>`
(e.g. `NTk0MjdmODlfMjQ4OGY3XzYzYzhfMjc=` → `59427f89_2488f7_63c8_27`).
"""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
import time

# Fixed clock for deterministic mode: 2024-01-01T00:00:00Z.
FIXED_EPOCH = 1704067200.0


class IdSource:
    def __init__(self, *, deterministic: bool = False) -> None:
        self.deterministic = deterministic
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def now(self) -> float:
        return FIXED_EPOCH if self.deterministic else time.time()

    def request_id(self) -> str:
        with self._lock:
            n = next(self._counter)
        if self.deterministic:
            raw = f"{int(FIXED_EPOCH):08x}_000000_0000_{n}"
        else:
            rand = secrets.token_hex(5)  # one call for both random fields
            raw = f"{int(time.time()):08x}_{rand[:6]}_{rand[6:]}_{n}"
        return base64.b64encode(raw.encode()).decode()

    def trace_id(self, request_id: str) -> str:
        seed = request_id if self.deterministic else secrets.token_hex(32)
        return base64.b64encode(seed.encode()).decode()

    def reset(self) -> None:
        with self._lock:
            self._counter = itertools.count(1)
