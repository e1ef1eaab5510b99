"""CRC-64/XZ, the checksum COS sends as `x-cos-hash-crc64ecma` (docs/wire-compat.md §5.5).

It exists because the Go SDK verifies this value on PutObject, UploadPart and Complete by default, so
every stored object and part carries it. The variant is CRC-64/XZ (ECMA-182 polynomial, reflected,
init and xorout all ones): check value for b"123456789" is 11051210869376104954. It is computed
incrementally so bodies are hashed as they stream and are never held whole in memory.

This module must never fall back silently to crcmod's pure-Python table code: that is ~100x slower and
would make a multi-GiB upload look like a hang. If the C extension is missing it warns at import.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable

import crcmod

# crcmod's mkCrcFun takes the polynomial with its implicit top bit (x^64). initCrc=0 with
# xorOut=all-ones is crcmod's spelling of "init all ones, xorout all ones" for reflected CRCs.
_POLY = 0x142F0E1EBA9EA3693
_crc_fun: Callable[[bytes | bytearray | memoryview, int], int] = crcmod.mkCrcFun(
    _POLY, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True
)

# crcmod picks its C extension (`crcmod._crcfunext`) when it was compiled at install time.
USING_C_EXTENSION = importlib.util.find_spec("crcmod._crcfunext") is not None
if not USING_C_EXTENSION:  # pragma: no cover
    warnings.warn("crcmod is running without its C extension; CRC-64 will be very slow", RuntimeWarning, stacklevel=1)


def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-64/XZ of `data`, continuing from `crc` (the value returned for the preceding bytes).

    `crc64(b"lo", crc64(b"hel")) == crc64(b"hello")`; the result is an unsigned 64-bit int, which COS
    writes as a decimal string.
    """
    return _crc_fun(data, crc)
