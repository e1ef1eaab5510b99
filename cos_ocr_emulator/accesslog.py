"""The access log: one line per request, text or JSON (`log_format`), on the `cos_ocr_emulator.access`
logger, so levels, handlers and pytest's caplog see it like any other log.

Every request writes a line, so the path is kept short: the edge files each line with a record made
here rather than through `Logger.info`, which walks the stack to name its caller (an access line has
no caller worth naming) and cost more than everything else about the line; the CLI's formatter renders
the time once per second instead of once per line; and in the CLI, which owns the process's logging,
the lines go straight to its log stream, one write per event-loop iteration (`write_directly`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import time
from typing import TextIO

from cos_ocr_emulator.record import JournalEntry

ACCESS = logging.getLogger("cos_ocr_emulator.access")
# The CLI's format for every log line (the access lines and everything else).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def text_line(entry: JournalEntry) -> str:
    return (
        f"{entry['request_id']} {entry['method']} {entry['path']} bucket={entry['bucket'] or '-'} "
        f"key={entry['key'] or '-'} op={entry['operation'] or '-'} ci={entry['ci_process'] or '-'} "
        f"auth={entry['auth']} -> {entry['status']} {entry['error_code'] or ''} {entry['duration_ms']:.1f}ms"
        + (f" ocr_cache={entry['ocr_cache']}" if entry["ocr_cache"] else "")
    )


def log_request(entry: JournalEntry, log_format: str) -> None:
    """Write the access line of one finished request, unless nobody would see it (the level is above
    INFO, or no handler anywhere: in-process without logging set up)."""
    if not ACCESS.isEnabledFor(logging.INFO) or not ACCESS.hasHandlers():
        return
    line = json.dumps(entry, ensure_ascii=False) if log_format == "json" else text_line(entry)
    if _direct is not None:
        _direct.write(line)
    else:
        ACCESS.handle(ACCESS.makeRecord(ACCESS.name, logging.INFO, __file__, 0, line, (), None, "log_request"))


class DirectLines:
    """The CLI's access lines, written straight to the stream its one log handler writes to, exactly as
    that handler would format them, without a log record each; the lines of one event-loop iteration
    go out in one write (immediately when no loop runs in this thread, and at exit)."""

    def __init__(self, handler: logging.StreamHandler[TextIO], formatter: LineFormatter) -> None:
        self._handler = handler
        self._formatter = formatter
        self._pending: list[str] = []
        self._scheduled = False

    def write(self, line: str) -> None:
        now = time.time()
        self._pending.append(f"{self._formatter.time_text(now)} INFO {ACCESS.name}: {line}\n")
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        lines, self._pending = self._pending, []
        if lines:
            with self._handler.lock or contextlib.nullcontext():  # never inside another log line
                self._handler.stream.write("".join(lines))
                self._handler.stream.flush()


_direct: DirectLines | None = None


def write_directly(handler: logging.StreamHandler[TextIO], formatter: LineFormatter) -> None:
    """For the CLI, which owns the process's logging: `handler` (formatted by `formatter`) is the one
    handler every log line reaches, so an access line can skip the logging machinery and still read
    exactly as through it. The access logger's level is honoured as before."""
    global _direct
    _direct = DirectLines(handler, formatter)
    atexit.register(_direct.flush)


class LineFormatter(logging.Formatter):
    """`logging.Formatter(LOG_FORMAT)` with the seconds part of the time rendered once per second."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self.time_text(record.created)

    def time_text(self, created: float) -> str:
        """What `%(asctime)s` shows for a record created at `created` (default_msec_format)."""
        second = int(created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second  # after the text: whoever sees the new second sees its text
        return f"{self._text},{int((created - second) * 1000):03d}"


def quiet_records() -> None:
    """Stop log records from looking up their thread, process and process name: the CLI's LOG_FORMAT
    shows none of them, and every request makes a record (for the CLI's own process only)."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
