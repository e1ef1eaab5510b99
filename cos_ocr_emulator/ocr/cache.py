"""The OCR result cache: a recognition already done is answered again in milliseconds.

Test suites OCR the same fixture images over and over (often under fresh keys, often across runs);
Tesseract costs 0.1-1 s a page, a lookup well under a millisecond. What makes two calls "the same":

- the content, by SHA-256 (never the key or the detect-url: the same bytes under another key hit, a
  key overwritten with other bytes misses);
- every field of the effective `OcrRequest` (type, language-type, ispdf, PDF page, isword,
  enable-word-polygon), after the API's rules have dropped parameters a type ignores;
- the *identity* of whatever else shapes the output (`fingerprint`): the engine's name and version,
  each traineddata file's name, size and mtime, the source of this package (a changed pipeline is a
  different recognizer), and the settings that change coordinates or limits (PDF DPI, pixel and
  page ceilings). Entries of another identity are never hit again; they age out of the LRU (switching
  engines back and forth keeps both sets).

Storage is one SQLite table beside the store's metadata (`<data_dir>/ocr-cache.sqlite3`, WAL,
synchronous=NORMAL: a cache may lose its last writes on power loss, never its consistency) or an
in-memory database with memory storage. Values are the result as compact, zlib-compressed JSON (the
canned-result shape). Eviction is LRU by stored bytes: every hit stamps the entry with a counter (kept
in memory and written with the next put or at close, so a hit is a read only), and a put evicts the
least recently used entries until the total fits `ocr_cache_max_bytes`. Only
successful recognitions are stored; errors are always recomputed.

`generation` guards resets: a recognition that started before `clear()` does not store its result
afterwards, so after an admin reset every first call is a miss.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.request import OcrRequest

if TYPE_CHECKING:  # the engine (and the imaging stack) is not needed to open the cache
    from cos_ocr_emulator.ocr.engine import OcrEngine

log = logging.getLogger("cos_ocr_emulator")

FILE_NAME = "ocr-cache.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL, used INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS results_by_use ON results (used);
"""


@functools.cache
def _source_digest() -> str:
    """SHA-256 over this package's Python sources: any change to the recognizer is a new identity."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(engine: OcrEngine, settings: Settings) -> str:
    """Everything besides the bytes and the request that decides what a recognition returns."""
    traineddata = []
    try:
        for path in sorted(languages.tessdata_dir().glob("*.traineddata")):
            stat = path.stat()
            traineddata.append([path.name, stat.st_size, stat.st_mtime_ns])
    except OSError:
        pass  # no readable tessdata: every recognition fails anyway, so nothing gets cached
    parts = {
        "engine": engine.name,
        "version": engine.version(),
        "traineddata": traineddata,
        "source": _source_digest(),
        "settings": [settings.ocr_pdf_dpi, settings.ocr_max_pixels, settings.ocr_max_pdf_pages],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cache_key(identity: str, content_sha256: str, request: OcrRequest) -> str:
    params = json.dumps(dataclasses.asdict(request), sort_keys=True)
    return hashlib.sha256(f"{identity}\n{content_sha256}\n{params}".encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int


class OcrCache:
    """Thread-safe: one connection behind one lock (lookups take microseconds)."""

    def __init__(self, path: Path | None, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db = self._open()
        self._generation = 0
        self._identity: tuple[OcrEngine, str] | None = None
        self._touched: dict[str, int] = {}  # key -> use stamp of hits not yet written
        self.hits = 0
        self.misses = 0
        row = self._db.execute("SELECT COALESCE(SUM(size), 0), COALESCE(MAX(used), 0) FROM results").fetchone()
        self._bytes, self._clock = int(row[0]), int(row[1])

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return self._connect(":memory:")
        try:
            return self._connect(str(self.path))
        except sqlite3.DatabaseError as exc:
            # A cache is never worth refusing to start over: set the broken file aside and begin empty.
            log.warning("OCR cache %s is unreadable (%s); starting an empty one", self.path, exc)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._connect(str(self.path))

    @staticmethod
    def _connect(target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if found is not None and found[0] != str(SCHEMA_VERSION):
                db.executescript("DELETE FROM results; DELETE FROM meta;")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @property
    def generation(self) -> int:
        return self._generation

    def identity(self, engine: OcrEngine, settings: Settings) -> str:
        """The engine's fingerprint, computed once per engine."""
        if self._identity is None or self._identity[0] is not engine:
            self._identity = (engine, fingerprint(engine, settings))
        return self._identity[1]

    def get(self, key: str) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
            if row is None:
                self.misses += 1
                return None
            self._clock += 1
            self._touched[key] = self._clock  # written with the next put (or at close): a hit never writes
            self.hits += 1
            return bytes(row[0])

    def put(self, key: str, value: bytes, generation: int) -> None:
        """Store `value` unless the cache was cleared since `generation`; evict down to `max_bytes`."""
        size = len(key) + len(value)
        if size > self.max_bytes:
            return  # one result larger than the whole cache would only evict everything else
        with self._lock:
            if generation != self._generation:
                return
            self._clock += 1
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._flush_touched()
                old = self._db.execute("SELECT size FROM results WHERE key = ?", (key,)).fetchone()
                self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", (key, value, size, self._clock))
                total = self._bytes + size - (int(old[0]) if old else 0)
                while total > self.max_bytes:
                    victims = self._db.execute(
                        "SELECT key, size FROM results WHERE key != ? ORDER BY used LIMIT 64", (key,)
                    ).fetchall()
                    if not victims:
                        break
                    for victim, victim_size in victims:
                        if total <= self.max_bytes:
                            break
                        self._db.execute("DELETE FROM results WHERE key = ?", (victim,))
                        total -= int(victim_size)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._bytes = total

    def _flush_touched(self) -> None:
        """Persist the use stamps of hits since the last write (so eviction sees them); lock held."""
        if self._touched:
            self._db.executemany(
                "UPDATE results SET used = ? WHERE key = ?", [(u, k) for k, u in self._touched.items()]
            )
            self._touched.clear()

    def discard(self, key: str) -> None:
        """Drop one entry (one that no longer decodes)."""
        with self._lock:
            found = self._db.execute("DELETE FROM results WHERE key = ? RETURNING size", (key,)).fetchone()
            if found is not None:
                self._bytes -= int(found[0])

    def clear(self) -> int:
        with self._lock:
            self._generation += 1
            self._touched.clear()
            count = int(self._db.execute("DELETE FROM results").rowcount)
            self._bytes = 0
            self.hits = self.misses = 0
        return count

    def stats(self) -> CacheStats:
        with self._lock:
            entries = int(self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
            return CacheStats(entries, self._bytes, self.max_bytes, self.hits, self.misses)

    def close(self) -> None:
        with self._lock:
            self._flush_touched()
            self._db.close()
