"""Fixtures for the storage tests: every store test runs against memory and disk (fake-gcs style)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

import anyio
import pytest

from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.models import NewObject, ObjectInfo, StagedBody
from cos_ocr_emulator.storage.store import SqliteStore

BUCKET = "examplebucket-1250000000"
START = 1_700_000_000.0


class FakeClock:
    """A clock the test moves by hand, as deterministic mode will."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def stage_bytes(store: SqliteStore, data: bytes, *, max_size: int = 1 << 40, chunk: int = 7919) -> StagedBody:
    """Stage `data` the way a handler does, in odd-sized chunks so digests cross chunk boundaries."""

    async def run() -> StagedBody:
        return await store.stage(_chunks(data, chunk), max_size=max_size)

    return anyio.run(run)


def stored_bodies(root: Path) -> tuple[set[str], set[str]]:
    """(ids of blob files, ids of inline bodies) in a closed data directory, as they are on disk."""
    files = {p.name for p in (root / "blobs").rglob("*") if p.is_file()}
    conn = sqlite3.connect(root / "meta.sqlite3")
    try:
        inline = {str(r[0]) for r in conn.execute("SELECT blob_id FROM inline_bodies")}
    finally:
        conn.close()
    return files, inline


def split_by_size(infos: Iterable[ObjectInfo]) -> tuple[set[str], set[str]]:
    """(blob ids that must be files, blob ids that must be inline) for these objects."""
    infos = list(infos)
    return {i.blob_id for i in infos if i.size > INLINE_MAX}, {i.blob_id for i in infos if i.size <= INLINE_MAX}


Putter = Callable[..., ObjectInfo]
Stager = Callable[..., StagedBody]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "data", memory=request.param == "memory", clock=clock)
    s.create_bucket(BUCKET, "ap-guangzhou")
    yield s
    s.close()


@pytest.fixture
def stage(store: SqliteStore) -> Stager:
    def _stage(data: bytes, *, max_size: int = 1 << 40) -> StagedBody:
        return stage_bytes(store, data, max_size=max_size)

    return _stage


@pytest.fixture
def put(store: SqliteStore) -> Putter:
    def _put(key: str, data: bytes, bucket: str = BUCKET, new: NewObject | None = None) -> ObjectInfo:
        return store.put_object(bucket, key, stage_bytes(store, data), new or NewObject())

    return _put
