"""BlobDir: one-pass digests, atomic publish, dedup, and no temp file left behind on any failure."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.blobs import READ_CHUNK, BlobDir
from cos_ocr_emulator.storage.crc64 import crc64
from cos_ocr_emulator.storage.models import StagedBody


@pytest.fixture(params=[True, False], ids=["durable", "no-fsync"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobDir:
    return BlobDir(tmp_path / "data", durable=request.param)


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _stage(blobs: BlobDir, data: bytes, max_size: int = 1 << 30) -> StagedBody:
    async def run() -> StagedBody:
        return await blobs.stage(_chunks(data), max_size=max_size)

    return anyio.run(run)


def test_stage_computes_all_digests_in_one_pass(blobs: BlobDir) -> None:
    data = os.urandom(123_457)
    staged = _stage(blobs, data)
    assert staged.size == len(data)
    assert staged.md5_hex == hashlib.md5(data).hexdigest()
    assert staged.sha256_hex == hashlib.sha256(data).hexdigest()
    assert staged.crc64 == crc64(data)
    assert staged.path.parent == blobs.tmp_dir
    assert staged.path.read_bytes() == data


def test_empty_body(blobs: BlobDir) -> None:
    staged = _stage(blobs, b"")
    assert (staged.size, staged.crc64, staged.md5_hex) == (0, 0, hashlib.md5(b"").hexdigest())


def test_too_large_raises_and_leaves_no_temp_file(blobs: BlobDir) -> None:
    with pytest.raises(CosError) as err:
        _stage(blobs, b"x" * 5001, max_size=5000)
    assert err.value.code == "EntityTooLarge"
    assert err.value.status == 400
    assert list(blobs.tmp_dir.iterdir()) == []


def test_exactly_max_size_is_accepted(blobs: BlobDir) -> None:
    assert _stage(blobs, b"x" * 5000, max_size=5000).size == 5000


def test_client_disconnect_mid_body_leaves_no_temp_file(blobs: BlobDir) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * 10_000
        raise ConnectionResetError("client went away")

    async def run() -> None:
        await blobs.stage(broken(), max_size=1 << 20)

    with pytest.raises(ConnectionResetError):
        anyio.run(run)
    assert list(blobs.tmp_dir.iterdir()) == []


def test_cancellation_mid_body_leaves_no_temp_file(blobs: BlobDir) -> None:
    started = anyio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"a" * 10_000
        started.set()
        await anyio.sleep(60)
        yield b"never"

    async def stage() -> None:
        await blobs.stage(slow(), max_size=1 << 20)

    async def run() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage)
            await started.wait()
            assert len(list(blobs.tmp_dir.iterdir())) == 1
            tg.cancel_scope.cancel()

    anyio.run(run)
    assert list(blobs.tmp_dir.iterdir()) == []


def test_publish_is_content_addressed_and_dedups(blobs: BlobDir) -> None:
    first = _stage(blobs, b"same bytes")
    second = _stage(blobs, b"same bytes")
    blob_id = blobs.publish(first)
    assert blobs.publish(second) == blob_id == hashlib.sha256(b"same bytes").hexdigest()
    path = blobs.blob_dir / blob_id[:2] / blob_id
    assert path.read_bytes() == b"same bytes"
    assert list(blobs.tmp_dir.iterdir()) == []
    assert [p.name for p in blobs.blob_dir.rglob("*") if p.is_file()] == [blob_id]


def test_stage_iter_matches_async_stage(blobs: BlobDir) -> None:
    data = os.urandom(70_000)
    sync = blobs.stage_iter([data[:1], data[1:50_000], data[50_000:]])
    async_ = _stage(blobs, data)
    assert (sync.size, sync.md5_hex, sync.sha256_hex, sync.crc64) == (
        async_.size,
        async_.md5_hex,
        async_.sha256_hex,
        async_.crc64,
    )
    with pytest.raises(CosError):
        blobs.stage_iter([b"x" * 10], max_size=9)
    blobs.discard(sync)
    blobs.discard(async_)
    blobs.discard(async_)  # idempotent
    assert list(blobs.tmp_dir.iterdir()) == []


def test_discard_refuses_paths_outside_tmp(blobs: BlobDir, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    with pytest.raises(ValueError):
        blobs.discard(StagedBody(victim, 7, "", 0, ""))
    assert victim.exists()


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, ""])
def test_blob_ids_never_become_arbitrary_paths(blobs: BlobDir, bad: str) -> None:
    with pytest.raises(ValueError):
        blobs.path(bad)


def test_open_range_streams_in_chunks_and_closes(blobs: BlobDir) -> None:
    data = os.urandom(3 * READ_CHUNK + 17)
    blob_id = blobs.publish(_stage(blobs, data))
    reader = blobs.open_range(blob_id, 5, len(data) - 2)
    chunks = list(reader)
    assert b"".join(chunks) == data[5:-1]
    assert max(len(c) for c in chunks) == READ_CHUNK
    assert reader._fh.closed
    assert list(blobs.open_range(blob_id, 3, 2)) == []  # empty range
    unstarted = blobs.open_range(blob_id, 0, 10)
    unstarted.close()  # never iterated, still closes the file
    assert unstarted._fh.closed
    with pytest.raises(FileNotFoundError):
        blobs.open_range("0" * 64, 0, 1)


def test_gc_removes_temp_files_and_orphans_only(blobs: BlobDir) -> None:
    kept = blobs.publish(_stage(blobs, b"kept"))
    orphan = blobs.publish(_stage(blobs, b"orphan"))
    (blobs.tmp_dir / "stale").write_bytes(b"half a body")
    foreign = blobs.blob_dir / kept[:2] / "README"
    foreign.write_text("not a blob name; gc leaves it alone")
    report = blobs.gc({kept})
    assert (report.tmp_removed, report.blobs_removed) == (1, 1)
    assert blobs.path(kept).exists()
    assert not blobs.path(orphan).exists()
    assert foreign.exists()
    assert list(blobs.tmp_dir.iterdir()) == []


def test_clear_removes_every_blob(blobs: BlobDir) -> None:
    ids = [blobs.publish(_stage(blobs, bytes([i]))) for i in range(5)]
    blobs.clear()
    assert not any(blobs.path(i).exists() for i in ids)
