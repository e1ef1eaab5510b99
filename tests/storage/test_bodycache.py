"""The in-memory cache of small bodies (storage/bodycache.py): reads through it stay right after every
kind of write that changes which body a key names, ranges slice the cached whole, and the byte bound holds."""

from __future__ import annotations

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.bodycache import BodyCache
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import BUCKET, Putter


def _get(store: SqliteStore, key: str) -> bytes:
    info = store.head_object(BUCKET, key)
    return store.read_bytes(info, 0, info.size - 1)


def test_reads_after_overwrite_delete_and_reset_are_right(store: SqliteStore, put: Putter) -> None:
    put("a", b"first body")
    assert _get(store, "a") == b"first body"
    assert _get(store, "a") == b"first body"  # served from the cache
    assert store._bodies.get(store.head_object(BUCKET, "a").blob_id) == b"first body"
    put("a", b"second, longer body")
    assert _get(store, "a") == b"second, longer body"
    info = store.head_object(BUCKET, "a")
    assert store.read_bytes(info, 2, 6) == b"cond,"  # a range slices the cached whole
    assert b"".join(store.read_range(info, 8, 13)) == b"longer"
    assert store.read_all(info) == b"second, longer body"
    store.delete_object(BUCKET, "a")
    with pytest.raises(CosError, match="NoSuchKey"):
        store.head_object(BUCKET, "a")
    put("b", b"")
    assert _get(store, "b") == b"" and _get(store, "b") == b""
    put("c", b"same bytes")
    put("d", b"same bytes")  # one body named by two keys
    store.delete_object(BUCKET, "c")
    assert _get(store, "d") == b"same bytes"
    store.reset()
    assert store._bodies.size == 0
    with pytest.raises(CosError, match="NoSuchBucket"):
        store.head_object(BUCKET, "d")


def test_the_byte_bound_holds_and_the_least_recently_used_goes_first() -> None:
    cache = BodyCache(limit=10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # now "b" is the oldest
    cache.put("c", b"cccc")
    assert cache.size == 8 and cache.get("b") is None and cache.get("a") == b"aaaa" and cache.get("c") == b"cccc"
    cache.put("huge", b"x" * 11)  # larger than the whole bound: never kept
    assert cache.get("huge") is None and cache.size == 8
    for n in range(100):
        cache.put(f"k{n}", b"12345")
        assert cache.size <= 10
    cache.clear()
    assert cache.size == 0 and cache.get("k99") is None
