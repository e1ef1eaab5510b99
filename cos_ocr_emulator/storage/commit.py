"""Group commit: writes of new bytes that arrive together share one fsync'd SQLite commit.

A durable PUT waits on the disk at the fsync of the WAL at COMMIT (and, for a body stored as a file,
at the fsyncs of its bytes and of the directory that names it, which run in the writer's own thread,
alongside everyone else's: `BlobDir.sync_staged`, `BlobDir.place`). The COMMIT is serial by nature
(one writer at a time), so one request per commit would cap durable PUTs at one per WAL fsync however
many clients write at once. Here commits are shared: a write is queued for one committer thread,
which takes everything queued as one transaction, each write inside its own SAVEPOINT (a write that
raises, e.g. NoSuchUpload, is rolled back alone and gets its own error). A small body travels with its
write and is inserted in the same SAVEPOINT, after the write (storage/inline.py). A write that refuses
only before it changes anything (`refuses_first`: a PutObject checks its bucket, then writes) runs
without a SAVEPOINT, two statements and two GIL hand-overs less: its refusal (a `CosError`) leaves
nothing to undo, and any other exception from it fails the whole batch (each of its writes gets the
error, none of it is committed). One COMMIT makes the batch durable; inline bodies no row names any
more are deleted inside it, blob files after it, under the writer lock.

A writer waits in one of two ways: a thread blocks on an event (`run`), a coroutine awaits a future
(`run_async`: a small PUT needs no worker thread at all). Coroutine writes are handed to the committer
once per pass of their event loop, together (`_flush`), so requests the loop advanced in the same pass
share a commit instead of the first one committing alone; the committer wakes each loop once per batch.
No write is reported done before the COMMIT that holds it, so the guarantee is the one-at-a-time
guarantee: an acknowledged write survives kill -9.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.blobs import BlobDir
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx

log = logging.getLogger(__name__)

T = TypeVar("T")
# write(tx, blob id of the new bytes, list to append the blob ids the write stopped naming) -> result
Write = Callable[[MetaTx, str, list[str]], T]

MAX_BATCH = 64  # a commit stops gathering queued hand-overs at this many writes (one event-loop pass may bring more)


class _Job(Generic[T]):
    __slots__ = ("blob_id", "data", "dropped", "error", "event", "future", "loop", "refuses_first", "result", "write")

    def __init__(self, blob_id: str, write: Write[T], data: bytes | None, refuses_first: bool = False) -> None:
        self.blob_id = blob_id
        self.write = write
        self.data = data  # an inline body to insert with the write (None: the blob is a placed file)
        self.refuses_first = refuses_first  # raises CosError only before its first change (no SAVEPOINT)
        self.dropped: list[str] = []
        self.result: T | None = None
        self.error: BaseException | None = None
        self.event: threading.Event | None = None  # a blocked thread waits on this ...
        self.loop: asyncio.AbstractEventLoop | None = None  # ... or a coroutine on this loop's future
        self.future: asyncio.Future[None] | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # set whenever error is None


def _resolve(jobs: list[_Job[object]]) -> None:
    """On the event loop: wake the coroutines of a finished batch."""
    for job in jobs:
        assert job.future is not None
        if not job.future.done():
            job.future.set_result(None)


class GroupCommit:
    def __init__(self, db: MetaDB, blobs: BlobDir) -> None:
        self._db = db
        self._blobs = blobs
        # A C queue: a put wakes the idle committer with one lock release, no Python-level Condition.
        self._queue: queue.SimpleQueue[list[_Job[object]] | None] = queue.SimpleQueue()  # None: stop
        # Coroutine writes submitted during the current pass of each event loop, handed over together
        # at its end (`_flush`): requests the loop advanced in one pass share a commit.
        self._pending: dict[asyncio.AbstractEventLoop, list[_Job[object]]] = {}
        self._closing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="cos-emulator-commit", daemon=True)
        self._thread.start()

    def run(self, blob_id: str, write: Write[T], data: bytes | None = None, *, refuses_first: bool = False) -> T:
        """Run `write` for the blob `blob_id` (placed as a file, or `data` to store inline) in a committed
        transaction; blocks until that transaction is durable. Raises what `write` raised (then nothing
        it did is kept). `refuses_first`: the write raises `CosError` only before it changes anything."""
        job: _Job[T] = _Job(blob_id, write, data, refuses_first)
        job.event = threading.Event()
        self._submit([job])  # type: ignore[list-item]  # the queue holds jobs of any result type
        job.event.wait()
        return job.outcome()

    async def run_async(
        self, blob_id: str, write: Write[T], data: bytes | None = None, *, refuses_first: bool = False
    ) -> T:
        """`run` for a coroutine: awaits the durable commit without occupying a thread. If the caller is
        cancelled the write still commits or fails on its own (as a write in a worker thread would); it
        was never acknowledged, and `_resolve` leaves the cancelled future alone."""
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(blob_id, write, data, refuses_first)
        job.loop, job.future = loop, loop.create_future()
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = []
            loop.call_soon(self._flush, loop)
        pending.append(job)  # type: ignore[arg-type]  # the queue holds jobs of any result type
        await job.future
        return job.outcome()

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        """On `loop`, once the pass that submitted writes is over: hand them to the committer."""
        batch = self._pending.pop(loop)
        try:
            self._submit(batch)
        except RuntimeError as exc:  # closed meanwhile
            for job in batch:
                job.error = exc
            _resolve(batch)

    def _submit(self, jobs: list[_Job[object]]) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")
        self._queue.put(jobs)

    def close(self) -> None:
        """Commit what is queued, then stop the committer thread."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = first
            while len(batch) < MAX_BATCH:  # everything that queued up during the previous commit
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch += more
            try:
                self._commit(batch)
            finally:  # whatever happened, nobody may be left waiting
                self._wake(batch)
        self._refuse_leftovers()

    def _refuse_leftovers(self) -> None:
        """Jobs that raced `close` and queued behind the stop: they fail, nobody waits forever."""
        while True:
            try:
                jobs = self._queue.get_nowait()
            except queue.Empty:
                return
            if jobs is not None:
                for job in jobs:
                    job.error = RuntimeError("the store is closed")
                self._wake(jobs)

    @staticmethod
    def _wake(batch: list[_Job[object]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job[object]]] = {}
        for job in batch:
            if job.loop is None:
                assert job.event is not None
                job.event.set()
            else:
                by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, jobs)

    def _commit(self, batch: list[_Job[object]]) -> None:
        """Never raises: each job carries its own outcome."""
        try:
            with self._db.lock:
                with self._db.tx(write=True) as tx:
                    if len(batch) == 1:  # alone, its error rolls back the transaction: no SAVEPOINT needed
                        _apply(tx, batch[0])
                    else:
                        for job in batch:
                            if job.refuses_first:
                                try:
                                    _apply(tx, job)
                                except CosError as exc:  # refused before any change: nothing to undo
                                    job.error, job.dropped = exc, []
                                continue  # any other exception leaves the loop: the batch fails whole
                            try:
                                with tx.savepoint():
                                    _apply(tx, job)
                            except Exception as exc:
                                job.error, job.dropped = exc, []
                    # Checked inside the transaction, so against exactly what the COMMIT makes durable.
                    files = tx.release(b for job in batch for b in job.dropped)
                self._blobs.unlink_all(files)
        except BaseException as exc:  # the batch as a whole failed (the COMMIT, or a lone write): all of it
            for job in batch:
                if job.error is None:
                    job.error = exc


def _apply(tx: MetaTx, job: _Job[object]) -> None:
    # The write first: a refusal then comes before any change, the body's insert included.
    job.result = job.write(tx, job.blob_id, job.dropped)
    if job.data is not None:
        tx.put_inline(job.blob_id, job.data)
