"""Content-addressed blob files: how object and part bytes reach the disk, atomically and durably.

Receiving a body starts here too: one of at most the caller's `inline_max` bytes is kept in memory and
digested whole (the store keeps it in the database, storage/inline.py). A larger body is spooled to
`tmp/<uuid>` while its size, MD5, SHA-256 and CRC-64 are computed in one pass.
Before it is published it is fsynced (`sync_staged`, in the writer's own thread, so concurrent
writers' fsyncs overlap); `place` renames it to `blobs/<sha256[:2]>/<sha256>` and fsyncs the
directory that names it, in the same thread, so a blob file either
does not exist or holds exactly the bytes its name promises; identical bodies share one file (dedup).
Which blobs are still needed is decided by the metadata database, not here.

This module must never turn an object key into a path (names are SHA-256 hex only, checked), never
hold a body larger than `inline_max` in memory, and never delete a blob on its own initiative: `unlink` and `gc` act
only on ids the store has proven unreferenced, under the store's lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.crc64 import crc64
from cos_ocr_emulator.storage.models import StagedBody

log = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024  # what read_range yields: each chunk is one worker-thread hop in Starlette
_BLOB_ID = re.compile(r"[0-9a-f]{64}")


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside `path` durable (POSIX needs the directory itself fsynced)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Spool:
    """One temp file being written, with the running digests. Used by both the async and sync stagers."""

    def __init__(self, path: Path, max_size: int | None) -> None:
        self.path = path
        self._max_size = max_size
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self._crc = 0
        self._size = 0
        # O_EXCL: a uuid collision must fail loudly rather than interleave two bodies.
        self._fh: BinaryIO | None = open(path, "xb")  # noqa: SIM115 - closed by finish()/abort()

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        if not chunk:
            return
        self._size += len(chunk)
        if self._max_size is not None and self._size > self._max_size:
            raise CosError("EntityTooLarge")
        self._md5.update(chunk)
        self._sha256.update(chunk)
        self._crc = crc64(chunk, self._crc)
        assert self._fh is not None
        self._fh.write(chunk)

    def finish(self) -> StagedBody:
        """Flush and close. Not fsynced yet: the store does that in the thread that publishes it."""
        assert self._fh is not None
        self._fh.close()
        self._fh = None
        return StagedBody(
            path=self.path,
            size=self._size,
            md5_hex=self._md5.hexdigest(),
            crc64=self._crc,
            sha256_hex=self._sha256.hexdigest(),
        )

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.path.unlink(missing_ok=True)


def _held(chunks: list[bytes], size: int, max_size: int | None) -> StagedBody:
    """A whole body kept in memory, digested in one pass each."""
    if max_size is not None and size > max_size:
        raise CosError("EntityTooLarge")
    data = bytes(chunks[0]) if len(chunks) == 1 else b"".join(chunks)
    return StagedBody(
        path=None,
        size=size,
        md5_hex=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        crc64=crc64(data),
        sha256_hex=hashlib.sha256(data).hexdigest(),
        data=data,
    )


class RangeReader(Iterator[bytes]):
    """An open blob being read. Closing (or dropping) it closes the file even if iteration never began,
    which a bare generator would not do."""

    def __init__(self, fh: BinaryIO, inner: Generator[bytes, None, None]) -> None:
        self._fh = fh
        self._inner = inner

    def __next__(self) -> bytes:
        try:
            return next(self._inner)
        except StopIteration:
            self._fh.close()
            raise

    def close(self) -> None:
        self._inner.close()
        self._fh.close()

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True)
class GcReport:
    tmp_removed: int
    blobs_removed: int


class BlobDir:
    """`root/tmp` (spooling) and `root/blobs` (published, immutable, content-addressed)."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        # durable=False (memory mode) skips fsync only: files, names and renames are identical.
        self.root = root
        self.durable = durable
        self.tmp_dir = root / "tmp"
        self.blob_dir = root / "blobs"
        self._blob_root = str(self.blob_dir)
        self._naming = threading.Lock()  # renames into place vs unlinks
        self._in_flight: dict[str, int] = {}  # placed blob id -> writers that have not settled yet
        created = False
        for d in (self.tmp_dir, self.blob_dir):
            if not d.is_dir():
                d.mkdir(parents=True, exist_ok=True)
                created = True
        if created and durable:
            fsync_dir(root)

    # --- staging ----------------------------------------------------------------------------
    def _new_spool(self, max_size: int | None) -> _Spool:
        return _Spool(self.tmp_dir / uuid.uuid4().hex, max_size)

    async def stage(self, chunks: AsyncIterator[bytes], *, max_size: int, inline_max: int = 0) -> StagedBody:
        """Take in an async body; EntityTooLarge past max_size. A body of at most `inline_max` bytes is
        kept in memory (one digest pass over the whole, no file); a larger one is spooled to a temp file
        as it arrives. Nothing is left behind on any failure, including a client disconnect or
        cancellation mid-body. No thread hop: the writes go to the page cache, and the fsync waits for
        the publishing thread (`sync_staged`)."""
        held: list[bytes] = []
        size = 0
        rest = chunks.__aiter__()
        async for chunk in rest:
            size += len(chunk)
            held.append(chunk)
            if size > inline_max:
                break
        else:
            return _held(held, size, max_size)
        spool = self._new_spool(max_size)
        done = False
        try:
            for chunk in held:
                spool.write(chunk)
            async for chunk in rest:
                spool.write(chunk)
            staged = spool.finish()
            done = True
            return staged
        finally:
            if not done:
                spool.abort()

    def stage_iter(self, chunks: Iterable[bytes], *, max_size: int | None = None, inline_max: int = 0) -> StagedBody:
        """The synchronous twin of `stage`, for bytes the store produces itself (copy, complete)."""
        held: list[bytes] = []
        size = 0
        rest = iter(chunks)
        for chunk in rest:
            size += len(chunk)
            held.append(chunk)
            if size > inline_max:
                break
        else:
            return _held(held, size, max_size)
        spool = self._new_spool(max_size)
        done = False
        try:
            for chunk in held:
                spool.write(chunk)
            for chunk in rest:
                spool.write(chunk)
            staged = spool.finish()
            done = True
            return staged
        finally:
            if not done:
                spool.abort()

    def discard(self, staged: StagedBody) -> None:
        """Remove a staged temp file; a no-op once it has been published or discarded, or when the body
        is held in memory."""
        if staged.path is None:
            return
        if staged.path.parent != self.tmp_dir:
            raise ValueError(f"not a staged body of this store: {staged.path}")
        staged.path.unlink(missing_ok=True)

    # --- published blobs --------------------------------------------------------------------
    def path(self, blob_id: str) -> Path:
        return Path(self._path(blob_id))

    def _path(self, blob_id: str) -> str:
        if not _BLOB_ID.fullmatch(blob_id):
            raise ValueError(f"invalid blob id {blob_id!r}")
        return f"{self._blob_root}/{blob_id[:2]}/{blob_id}"  # a str: pathlib costs more than the read

    def sync_staged(self, staged: StagedBody) -> None:
        """fsync a staged body's bytes (before `place`: a name must never become durable before its data)."""
        if self.durable:
            assert staged.path is not None, "a body held in memory has no file to sync"
            fd = os.open(staged.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def place(self, staged: StagedBody) -> str:
        """Move a synced staged body into place (or drop it if the same content exists), fsync the
        directory that names it, and return its id, registered as in flight: `unlink` leaves it alone
        until `settle`, so no other writer's cleanup can remove it before this writer's row commits.

        Only the rename is serialized; the directory fsync runs in the caller's thread, alongside
        other writers' (one at a time they would cost a disk flush each, in series).
        """
        assert staged.path is not None, "a body held in memory is not placed as a file"
        blob_id = staged.sha256_hex
        dest = self._path(blob_id)
        shard = os.path.dirname(dest)
        created = False
        with self._naming:
            self._in_flight[blob_id] = self._in_flight.get(blob_id, 0) + 1
            if os.path.exists(dest):
                staged.path.unlink(missing_ok=True)
            else:
                if not os.path.isdir(shard):
                    os.makedirs(shard, exist_ok=True)
                    created = True
                os.replace(staged.path, dest)
        try:
            if self.durable:
                if created:
                    fsync_dir(self.blob_dir)
                # Also when deduplicated: the existing name may come from a writer still in flight.
                fsync_dir(Path(shard))
        except BaseException:
            self.settle(blob_id)
            raise
        return blob_id

    def settle(self, blob_id: str) -> None:
        """The writer that placed `blob_id` is done (committed or failed): it may be unlinked again."""
        with self._naming:
            left = self._in_flight.get(blob_id, 0) - 1
            if left > 0:
                self._in_flight[blob_id] = left
            else:
                self._in_flight.pop(blob_id, None)

    def publish(self, staged: StagedBody) -> str:
        """`sync_staged` and `place` for a body nobody else is writing (tests, tools)."""
        self.sync_staged(staged)
        blob_id = self.place(staged)
        self.settle(blob_id)
        return blob_id

    def read(self, blob_id: str, start: int, end: int) -> bytes:
        """Bytes [start, end] (inclusive) at once, for small spans. FileNotFoundError if the blob is gone."""
        fd = os.open(self._path(blob_id), os.O_RDONLY)
        try:
            parts: list[bytes] = []
            offset, remaining = start, end - start + 1
            while remaining > 0:
                data = os.pread(fd, remaining, offset)
                if not data:
                    raise OSError(f"blob {blob_id} is shorter than its metadata says")
                parts.append(data)
                offset, remaining = offset + len(data), remaining - len(data)
            return b"".join(parts)
        finally:
            os.close(fd)

    def open_range(self, blob_id: str, start: int, end: int, chunk: int = READ_CHUNK) -> RangeReader:
        """Bytes [start, end] (inclusive) of a blob, `chunk` at a time.

        The file is opened now, so a missing blob raises FileNotFoundError here, before a response
        has started, and a blob unlinked afterwards stays readable through the open handle.
        """
        fh = open(self.path(blob_id), "rb")  # noqa: SIM115 - owned and closed by the RangeReader
        return RangeReader(fh, self._iter(fh, start, end, chunk))

    @staticmethod
    def _iter(fh: BinaryIO, start: int, end: int, chunk: int) -> Generator[bytes, None, None]:
        fh.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            data = fh.read(min(chunk, remaining))
            if not data:
                raise OSError(f"blob {fh.name} is shorter than its metadata says")
            remaining -= len(data)
            yield data

    def unlink(self, blob_id: str) -> None:
        """Remove a blob the store found unreferenced, unless a writer has just placed it (`place`)."""
        with self._naming:
            if blob_id not in self._in_flight:
                self.path(blob_id).unlink(missing_ok=True)

    def ids(self) -> set[str]:
        """The ids of every published blob file."""
        return {e.name for shard in self.blob_dir.iterdir() if shard.is_dir() for e in shard.iterdir()}

    def unlink_all(self, blob_ids: Iterable[str]) -> None:
        """`unlink` each; a failure is logged, not raised: the write that dropped them has committed,
        and `gc` at the next open removes what is left."""
        for blob_id in blob_ids:
            try:
                self.unlink(blob_id)
            except OSError:
                log.exception("could not remove unreferenced blob %s", blob_id)

    def gc(self, referenced: set[str]) -> GcReport:
        """Delete every temp file and every blob not in `referenced` (crash leftovers).

        Only safe when no body is being staged, i.e. at open, before requests are served.
        """
        tmp_removed = 0
        for entry in self.tmp_dir.iterdir():
            if entry.is_file() or entry.is_symlink():
                entry.unlink(missing_ok=True)
                tmp_removed += 1
        blobs_removed = 0
        for shard in self.blob_dir.iterdir():
            if not shard.is_dir():
                continue
            for entry in shard.iterdir():
                if _BLOB_ID.fullmatch(entry.name) and entry.name not in referenced:
                    entry.unlink(missing_ok=True)
                    blobs_removed += 1
        if tmp_removed or blobs_removed:
            log.info("storage gc: removed %d temp files and %d orphan blobs", tmp_removed, blobs_removed)
        return GcReport(tmp_removed, blobs_removed)

    def clear(self) -> None:
        """Delete every published blob (reset). Temp files and blobs of in-flight writes are left alone."""
        with self._naming:
            for shard in self.blob_dir.iterdir():
                if shard.is_dir():
                    for entry in shard.iterdir():
                        if _BLOB_ID.fullmatch(entry.name) and entry.name not in self._in_flight:
                            entry.unlink(missing_ok=True)
