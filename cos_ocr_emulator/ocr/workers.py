"""The OCR worker threads: a fixed number of daemon threads, awaitable from the event loop.

Why not anyio's or asyncio's default thread pool: their threads are joined when the interpreter
exits, so a server told to stop (SIGINT/SIGTERM) would wait for every Tesseract job still running,
however long. These threads are daemons: once the grace period is over the process exits and the
jobs die with it. `close()` also fails every job that has not started yet, so nothing new begins
during shutdown. Each job is still bounded by `ocr_timeout` through the engine's own cancellation;
`run(fn, deadline)` also stops waiting at the deadline (`Overdue`), so a request is answered on
time even while its job is inside a step that cannot be interrupted (the job then ends at its next
check of the same deadline, and its worker takes the next job).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel

from cos_ocr_emulator.errors import CosError

T = TypeVar("T")
_Job = tuple[Callable[[], object], "Future[object]"]


class Overdue(Exception):
    """The deadline given to `Workers.run` passed before the job finished."""


class Workers:
    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False
        self.busy = 0  # jobs running right now (health and shutdown logs)

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self.count:
                thread = threading.Thread(target=self._loop, name=f"ocr-worker-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            self.busy += 1
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the awaiting request, which re-raises it
                future.set_exception(exc)
            finally:
                self.busy -= 1

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        if self._closed:
            raise CosError("ServiceUnavailable", "The emulator is shutting down.")
        self._start()
        future: Future[T] = Future()
        self._jobs.put((fn, future))  # type: ignore[arg-type]
        return future

    async def run(self, fn: Callable[[], T], deadline: float | None = None) -> T:
        """Run `fn` on a worker thread and wait for it without blocking the event loop, at most until
        `deadline` (time.monotonic()); then raise Overdue, leaving a started job to end by itself."""
        future = self.submit(fn)
        done = anyio.Event()
        token = anyio.lowlevel.current_token()
        loop_thread = threading.get_ident()

        def wake(_: Future[T]) -> None:
            if threading.get_ident() == loop_thread:  # already done when the callback was added
                done.set()
                return
            with contextlib.suppress(RuntimeError):  # the loop is gone (shutdown): nobody waits any more
                anyio.from_thread.run_sync(done.set, token=token)

        future.add_done_callback(wake)
        try:
            with anyio.move_on_after(None if deadline is None else deadline - time.monotonic()):
                await done.wait()
        except BaseException:
            future.cancel()  # a queued job never starts once its request is gone
            raise
        if not future.done():
            future.cancel()
            raise Overdue
        return future.result()

    def close(self) -> None:
        """Fail queued jobs and let the threads end; running jobs finish (or die with the process)."""
        self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        for _ in self._threads:
            self._jobs.put(None)
