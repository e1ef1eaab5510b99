"""The access log: one line per request, text or JSON (`log_format`), on the `cos_ocr_emulator.access`
logger, so levels, handlers and pytest's caplog see it like any other log.

Every request writes a line, so the path is kept short: the edge files each line with a record made
here rather than through `Logger.info`, which walks the stack to name its caller (an access line has
no caller worth naming) and cost more than everything else about the line; and the CLI's formatter
renders the time once per second instead of once per line.
"""

from __future__ import annotations

import json
import logging
import time

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
    ACCESS.handle(ACCESS.makeRecord(ACCESS.name, logging.INFO, __file__, 0, line, (), None, "log_request"))


class LineFormatter(logging.Formatter):
    """`logging.Formatter(LOG_FORMAT)` with the seconds part of the time rendered once per second."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second  # after the text: whoever sees the new second sees its text
        return f"{self._text},{int(record.msecs):03d}"  # default_msec_format


def quiet_records() -> None:
    """Stop log records from looking up their thread, process and process name: the CLI's LOG_FORMAT
    shows none of them, and every request makes a record (for the CLI's own process only)."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
