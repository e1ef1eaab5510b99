"""What the read path asks on every request, kept in memory as last committed: the buckets, bucket
configuration documents, and the current version of recently read objects.

A GET asks for its bucket (region check) and its object's row; from SQLite that is two statements and a
JSON decode of the row's headers, meta and tags, for values that change only when the store itself
writes. The store is the only writer of its database (the data directory is flock()ed), so it knows
when these copies go stale:

- the buckets are reloaded after a commit that added or removed one (`MetaTx.buckets_changed`);
- the configuration documents (encryption is asked by every PUT; ACL, CORS, policy often) and known
  absences are dropped after a transaction that changed a document or removed a bucket
  (`MetaTx.configs_changed`);
- the object rows are all dropped after *every* write transaction, whatever it touched. Coarse, but
  nothing needs to know which rows a write changed (put, copy, delete, multi-delete, complete, append,
  versioning, ACL, tagging, restore, purge, reset all end the same way), so no write path can be missed.

Coherence: a reader takes the current generation *before* its SELECT and files what it read under that
generation. A write that commits while the read is in flight replaces the generation when it ends, so
a value read before the commit lands in a generation nobody looks at any more. A write is acknowledged
only after its transaction has ended, so a request sent after a write's answer never sees the old row.
Cached values are shared between requests: they are frozen, and their dicts are never mutated.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cos_ocr_emulator.storage.meta import MetaDB
from cos_ocr_emulator.storage.models import BucketInfo, ObjectInfo

K = TypeVar("K")
V = TypeVar("V")

OBJECT_ROWS = 4096  # current-version rows kept; the oldest filed goes first
CONFIG_DOCUMENTS = 4096  # configuration lookups kept (documents and known absences); all go when full


class Generation(Generic[K, V]):
    """A bounded map that `invalidate()` replaces with an empty one. Thread-safe."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[K, V] = {}
        self._evict = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def current(self) -> dict[K, V]:
        """The generation to file a value under: take it before reading the value."""
        return self._items

    def put(self, generation: dict[K, V], key: K, value: V) -> None:
        if len(generation) >= self._size:
            # Another reader may have evicted the same entry first.
            with self._evict, contextlib.suppress(StopIteration, KeyError, RuntimeError):
                del generation[next(iter(generation))]
        generation[key] = value

    def invalidate(self) -> None:
        self._items = {}

    def __len__(self) -> int:
        return len(self._items)


class ReadCache:
    """Bucket rows and current object rows for the read path of one `MetaDB`."""

    def __init__(self, db: MetaDB, *, object_rows: int = OBJECT_ROWS) -> None:
        self._db = db
        self._buckets: dict[str, BucketInfo] | None = None
        self._bucket_generation = 0
        self.objects: Generation[tuple[str, str], ObjectInfo] = Generation(object_rows)
        # (bucket, name) -> document, None: the bucket has no such document. A plain dict, replaced whole.
        self._configs: dict[tuple[str, str], str | None] = {}
        db.after_write.append(self._written)

    def _written(self, buckets_changed: bool, configs_changed: bool) -> None:
        self.objects.invalidate()
        if configs_changed:
            self._configs = {}  # a reader still filing into the old dict files into nothing
        if buckets_changed:
            self._bucket_generation += 1
            self._buckets = None

    def config(self, bucket: str, name: str, load: Callable[[], str | None]) -> str | None:
        """A bucket's configuration document (None: none), `load`ed (and remembered) unless known. `load`
        may raise (NoSuchBucket): nothing is remembered then."""
        cache = self._configs  # taken before the read: see the module docstring
        key = (bucket, name)
        if key in cache:
            return cache[key]
        document = load()
        if len(cache) >= CONFIG_DOCUMENTS:
            cache.clear()
        cache[key] = document
        return document

    def buckets(self) -> dict[str, BucketInfo]:
        """Every bucket by name, as committed."""
        buckets = self._buckets
        if buckets is None:
            generation = self._bucket_generation
            with self._db.single() as tx:
                buckets = {info.name: info for info in tx.all_buckets()}
            if generation == self._bucket_generation:  # no bucket commit raced the read
                self._buckets = buckets
        return buckets

    def current_object(self, bucket: str, key: str) -> ObjectInfo | None:
        """The current version of `key` (None: no current version; not cached)."""
        found = self.objects.get((bucket, key))
        if found is not None:
            return found
        generation = self.objects.current()
        with self._db.single() as tx:
            row = tx.get_object(bucket, key)
        if row is None:
            return None
        self.objects.put(generation, (bucket, key), row[0])
        return row[0]
