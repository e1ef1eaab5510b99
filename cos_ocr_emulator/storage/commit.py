"""Group commit: writes of new bytes that arrive together share one fsync'd SQLite commit.

A durable PUT waits on the disk three times: the fsync of its own bytes, the fsync of the directory
that gets the blob's name, and the fsync of the WAL at COMMIT. The first runs in the writer's own
thread, in parallel with everyone else's (`BlobDir.sync_staged`). The other two are serial by nature
(one writer at a time), so one request at a time would cap durable PUTs at one per two fsyncs however
many clients write at once. Here they are shared: a thread with a write to commit queues it, and if
no commit is running it becomes the leader and commits everything queued, itself included, as one
batch. Every blob is renamed into place, every directory touched is fsynced once, then one
transaction runs each write inside its own SAVEPOINT (a write that raises, e.g. NoSuchUpload, is
rolled back alone and gets its own error), one COMMIT makes the batch durable, and blobs no row
names any more are unlinked, all under the writer lock. Followers sleep until their batch is done
and return their own result. No write returns before the COMMIT that holds it, so the guarantee is
the one-at-a-time guarantee: an acknowledged write survives kill -9.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cos_ocr_emulator.storage.blobs import BlobDir
from cos_ocr_emulator.storage.meta import MetaDB, MetaTx
from cos_ocr_emulator.storage.models import StagedBody

log = logging.getLogger(__name__)

T = TypeVar("T")
# write(tx, blob id of the staged body, blob ids the write stopped naming) -> result
Write = Callable[[MetaTx, str, list[str]], T]

MAX_BATCH = 64  # writes per commit: bounds how long the first of them waits for the last


class _Job(Generic[T]):
    __slots__ = ("blob_id", "done", "dropped", "error", "result", "staged", "write")

    def __init__(self, staged: StagedBody, write: Write[T]) -> None:
        self.staged = staged
        self.write = write
        self.blob_id = ""
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
        self._cond = threading.Condition(threading.Lock())
        self._queue: list[_Job[object]] = []
        self._leading = False

    def run(self, staged: StagedBody, write: Write[T]) -> T:
        """Publish `staged` (already fsynced) and run `write` in a committed transaction; blocks
        until that transaction is durable. Raises what `write` raised (then nothing of it is kept)."""
        job: _Job[T] = _Job(staged, write)
        with self._cond:
            self._queue.append(job)  # type: ignore[arg-type]  # the queue holds jobs of any result type
            while not job.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        return job.outcome()

    def _commit(self, batch: list[_Job[object]]) -> None:
        """Never raises: each job carries its own outcome (the leader may not even be in `batch`)."""
        try:
            with self._db.lock:
                live = self._place(batch)
                if live:
                    self._transact(live)
        except BaseException as exc:  # the batch as a whole failed (an fsync, the COMMIT): all of it
            for job in batch:
                if job.error is None:
                    job.error = exc
        finally:
            for job in batch:
                job.done = True

    def _place(self, batch: list[_Job[object]]) -> list[_Job[object]]:
        """Rename each staged body into place and fsync the directories touched, once each."""
        touched: set[str] = set()
        live: list[_Job[object]] = []
        for job in batch:
            try:
                job.blob_id = self._blobs.place(job.staged, touched)
            except Exception as exc:
                job.error = exc
            else:
                live.append(job)
        try:
            self._blobs.sync_dirs(touched)
        except BaseException:
            self._unlink_unreferenced([job.blob_id for job in live])
            raise
        return live

    def _transact(self, live: list[_Job[object]]) -> None:
        fresh = [job.blob_id for job in live]
        try:
            with self._db.tx(write=True) as tx:
                for job in live:
                    try:
                        with tx.savepoint():
                            job.result = job.write(tx, job.blob_id, job.dropped)
                    except Exception as exc:
                        job.error, job.dropped = exc, []
                candidates = fresh + [b for job in live if job.error is None for b in job.dropped]
                # Checked inside the transaction, so against exactly what the COMMIT makes durable.
                unused = {b for b in candidates if b and not tx.is_referenced(b)}
        except BaseException:
            self._unlink_unreferenced(fresh)  # nothing committed: the fresh blobs may be orphans
            raise
        self._unlink(unused)

    def _unlink_unreferenced(self, blob_ids: list[str]) -> None:
        with self._db.tx() as tx:
            unused = {b for b in blob_ids if b and not tx.is_referenced(b)}
        self._unlink(unused)

    def _unlink(self, blob_ids: set[str]) -> None:
        for blob_id in blob_ids:
            try:
                self._blobs.unlink(blob_id)
            except OSError:  # the write already committed; gc at the next open retries
                log.exception("could not remove unreferenced blob %s", blob_id)
