"""Group commit: writes of new bytes that arrive together share one fsync'd SQLite commit.

A durable PUT waits on the disk three times: the fsync of its bytes, the fsync of the directory that
names its blob, and the fsync of the WAL at COMMIT. The first two run in the writer's own thread,
alongside everyone else's (`BlobDir.sync_staged`, `BlobDir.place`). The COMMIT is serial by nature
(one writer at a time), so one request per commit would cap durable PUTs at one per WAL fsync however
many clients write at once. Here commits are shared: a thread with a write queues it, and if no commit
is running it becomes the leader and commits everything queued, itself included, as one transaction,
each write inside its own SAVEPOINT (a write that raises, e.g. NoSuchUpload, is rolled back alone and
gets its own error). One COMMIT makes the batch durable; then blobs no row names any more are
unlinked, under the writer lock. Followers sleep until their batch is done and return their own
result. No write returns before the COMMIT that holds it, so the guarantee is the one-at-a-time
guarantee: an acknowledged write survives kill -9.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cos_ocr_emulator.storage.blobs import BlobDir
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx

log = logging.getLogger(__name__)

T = TypeVar("T")
# write(tx, blob id of the new bytes, list to append the blob ids the write stopped naming) -> result
Write = Callable[[MetaTx, str, list[str]], T]

MAX_BATCH = 64  # writes per commit: bounds how long the first of them waits for the last


class _Job(Generic[T]):
    __slots__ = ("blob_id", "done", "dropped", "error", "result", "wake", "write")

    def __init__(self, blob_id: str, write: Write[T], lock: threading.Lock) -> None:
        self.wake = threading.Condition(lock)  # one per job: a batch wakes its own writers only
        self.blob_id = blob_id
        self.write = write
        self.dropped: list[str] = []
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # set whenever error is None


class GroupCommit:
    def __init__(self, db: MetaDB, blobs: BlobDir) -> None:
        self._db = db
        self._blobs = blobs
        self._lock = threading.Lock()
        self._queue: list[_Job[object]] = []
        self._leading = False

    def run(self, blob_id: str, write: Write[T]) -> T:
        """Run `write` for the placed blob `blob_id` in a committed transaction; blocks until that
        transaction is durable. Raises what `write` raised (then nothing it did is kept)."""
        job: _Job[T] = _Job(blob_id, write, self._lock)
        with self._lock:
            self._queue.append(job)  # type: ignore[arg-type]  # the queue holds jobs of any result type
            while not job.done:
                if self._leading:
                    job.wake.wait()
                    continue
                self._leading = True
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                self._lock.release()
                try:
                    self._commit(batch)
                finally:
                    self._lock.acquire()
                    self._leading = False
                    for done in batch:
                        done.wake.notify()
                    if self._queue:  # the next waiting writer leads the next batch
                        self._queue[0].wake.notify()
        return job.outcome()

    def _commit(self, batch: list[_Job[object]]) -> None:
        """Never raises: each job carries its own outcome (the leader may not even be in `batch`)."""
        try:
            with self._db.lock:
                with self._db.tx(write=True) as tx:
                    for job in batch:
                        try:
                            with tx.savepoint():
                                job.result = job.write(tx, job.blob_id, job.dropped)
                        except Exception as exc:
                            job.error, job.dropped = exc, []
                    dropped = {b for job in batch for b in job.dropped if b}
                    # Checked inside the transaction, so against exactly what the COMMIT makes durable.
                    unused = {b for b in dropped if not tx.is_referenced(b)}
                for blob_id in unused:
                    try:
                        self._blobs.unlink(blob_id)
                    except OSError:  # the write already committed; gc at the next open retries
                        log.exception("could not remove unreferenced blob %s", blob_id)
        except BaseException as exc:  # the batch as a whole failed (the COMMIT): all of it
            for job in batch:
                if job.error is None:
                    job.error = exc
        finally:
            for job in batch:
                job.done = True
