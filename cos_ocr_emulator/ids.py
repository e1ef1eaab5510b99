"""Request, trace, version and upload ids shaped like COS's, and the clock; deterministic mode makes them
all repeatable (numbered from 1 again after a reset).

A COS request id is base64 of `<8 hex time>_<6 hex>_<4 hex>_<counter>`
(e.g. `NTk0MjdmODlfMjQ4OGY3XzYzYzhfMjc=` → `59427f89_2488f7_63c8_27`).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import random
import secrets
import threading
import time

# Fixed clock for deterministic mode: 2024-01-01T00:00:00Z.
FIXED_EPOCH = 1704067200.0
# Request and trace ids must be unique, not secret: a seeded PRNG (from os.urandom) costs a fraction of
# a system call per request. Version and upload ids keep `secrets`.
_noise = random.Random()


def random_version_id() -> str:
    """Opaque, unique, URL-safe and roughly time-ordered, like COS's base64 version ids."""
    raw = f"{time.time_ns()}{secrets.randbelow(10**6):06d}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64(text: str) -> str:
    # binascii directly: base64.b64encode is a wrapper around it, and two ids are made per request.
    return binascii.b2a_base64(text.encode(), newline=False).decode()


class IdSource:
    def __init__(self, *, deterministic: bool = False) -> None:
        self.deterministic = deterministic
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._versions = itertools.count(1)
        self._uploads = itertools.count(1)

    def now(self) -> float:
        return FIXED_EPOCH if self.deterministic else time.time()

    def request_id(self) -> str:
        with self._lock:
            n = next(self._counter)
        if self.deterministic:
            raw = f"{int(FIXED_EPOCH):08x}_000000_0000_{n}"
        else:
            rand = f"{_noise.getrandbits(40):010x}"  # one draw for both random fields
            raw = f"{int(time.time()):08x}_{rand[:6]}_{rand[6:]}_{n}"
        return _b64(raw)

    def trace_id(self, request_id: str) -> str:
        return _b64(request_id if self.deterministic else _noise.randbytes(32).hex())

    def version_id(self) -> str:
        """A new object version (or delete marker) id. The store skips one its key already has: numbering
        restarts with every process in deterministic mode, and a disk store outlives the process."""
        if not self.deterministic:
            return random_version_id()
        with self._lock:
            n = next(self._versions)
        return base64.urlsafe_b64encode(f"{int(FIXED_EPOCH) * 10**9}{n:06d}".encode()).decode().rstrip("=")

    def upload_id(self) -> str:
        """A new multipart upload id (32 hex digits, as COS's); the store skips one that is in use."""
        if not self.deterministic:
            return secrets.token_hex(16)
        with self._lock:
            n = next(self._uploads)
        return f"{n:032x}"

    def reset(self) -> None:
        with self._lock:
            self._counter = itertools.count(1)
            self._versions = itertools.count(1)
            self._uploads = itertools.count(1)
