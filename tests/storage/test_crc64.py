"""CRC-64/XZ check values from docs/wire-compat.md (§5.5) and incremental use."""

from __future__ import annotations

import os
import sys

import crcmod
import pytest

from cos_ocr_emulator.storage.crc64 import crc64


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"123456789", 11051210869376104954), (b"hello", 11177612005948864433), (b"", 0)],
)
def test_check_values(data: bytes, expected: int) -> None:
    assert crc64(data) == expected


def test_check_value_hex() -> None:
    assert crc64(b"123456789") == 0x995DC9BBDF1939FA


def test_incremental_equals_whole() -> None:
    data = os.urandom(300_000)
    crc = 0
    for i in range(0, len(data), 4093):
        crc = crc64(data[i : i + 4093], crc)
    assert crc == crc64(data)
    assert crc64(b"lo", crc64(b"hel")) == crc64(b"hello")


def test_matches_reference_definition() -> None:
    reference = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    for size in (1, 2, 63, 64, 65, 4096):
        data = os.urandom(size)
        assert crc64(data) == reference(data)


def test_accepts_memoryview_and_bytearray() -> None:
    assert crc64(memoryview(b"hello")) == crc64(bytearray(b"hello")) == 11177612005948864433


def test_uses_c_extension() -> None:
    crcmod_impl = sys.modules["crcmod.crcmod"]
    assert crcmod_impl._usingExtension  # the pure-Python fallback is ~100x slower


def test_the_c_extension_is_in_use() -> None:
    # scripts/setup installs gcc + python3-dev so crcmod compiles it; without it a 5 GiB upload crawls.
    from cos_ocr_emulator.storage.crc64 import USING_C_EXTENSION

    assert USING_C_EXTENSION
