"""SQLite metadata: buckets, objects, multipart uploads and parts, and which blob each row points at.

It exists so that what a client can see is decided by one committed transaction: an object exists
exactly when its row does, and a row only ever points at a blob that was fsynced and renamed first.
The database runs in WAL mode with `synchronous=FULL`, so an acknowledged commit survives kill -9
(and power loss, as far as the disk honours fsync). One connection, guarded by one re-entrant lock,
serves every worker thread.

Keys are opaque TEXT (any UTF-8: `../x`, `%`, `+`, Chinese, spaces) bound as parameters; they are
compared with SQLite's BINARY collation, which is UTF-8 byte order, which is what COS lists in. This
module must never format a key into SQL, never touch blob files, and never raise HTTP-level errors
except through the store: it returns None / rows and lets `store.py` choose the catalogue error.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cos_ocr_emulator.storage.inline import InlineTx
from cos_ocr_emulator.storage.models import BucketInfo, ObjectInfo, PartInfo, UploadInfo
from cos_ocr_emulator.storage.rows import (
    OBJECT_COLS,
    dump,
    dump_tags,
    from_dt,
    object_row,
    prefix_upper,
    to_dt,
    upload_row,
)
from cos_ocr_emulator.storage.schema import migrate
from cos_ocr_emulator.storage.versions import VersionTx


@dataclass(frozen=True)
class PartRow:
    info: PartInfo
    blob_id: str
    md5_hex: str


class MetaTx(VersionTx, InlineTx):
    """The SQL, usable only inside `MetaDB.tx()` (which holds the lock and the transaction)."""

    buckets_changed = False  # set by the statements that add or remove buckets (readcache.py)

    # --- buckets ------------------------------------------------------------------------------
    def get_bucket(self, name: str) -> BucketInfo | None:
        row = self._c.execute("SELECT * FROM buckets WHERE name = ?", (name,)).fetchone()
        return None if row is None else _bucket_row(row)

    def insert_bucket(self, info: BucketInfo) -> None:
        self.buckets_changed = True
        self._c.execute(
            "INSERT INTO buckets (name, region, created, public_read) VALUES (?, ?, ?, ?)",
            (info.name, info.region, from_dt(info.created), int(info.public_read)),
        )

    def all_buckets(self) -> list[BucketInfo]:
        return [_bucket_row(row) for row in self._c.execute("SELECT * FROM buckets ORDER BY name")]

    def bucket_has_content(self, name: str) -> bool:
        sql = (
            "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?) OR EXISTS (SELECT 1 FROM uploads WHERE bucket = ?)"
            " OR EXISTS (SELECT 1 FROM object_versions WHERE bucket = ?)"
        )
        return bool(self._c.execute(sql, (name, name, name)).fetchone()[0])

    def delete_bucket(self, name: str) -> None:
        self.buckets_changed = self.configs_changed = True
        self._c.execute("DELETE FROM bucket_configs WHERE bucket = ?", (name,))
        self._c.execute("DELETE FROM buckets WHERE name = ?", (name,))

    # --- objects ------------------------------------------------------------------------------
    def get_object(self, bucket: str, key: str) -> tuple[ObjectInfo, str] | None:
        """The object and its whole-body MD5 hex (a copy's ETag), or None."""
        sql = f"SELECT {OBJECT_COLS} FROM objects WHERE bucket = ? AND key = ?"
        row = self._c.execute(sql, (bucket, key)).fetchone()
        return None if row is None else (object_row(row), row["md5_hex"])

    def put_object(self, info: ObjectInfo, md5_hex: str) -> str | None:
        """Insert or replace; returns the blob id the replaced row pointed at (to release)."""
        old = self._c.execute(
            "SELECT blob_id FROM objects WHERE bucket = ? AND key = ?", (info.bucket, info.key)
        ).fetchone()
        self.write_object(info, md5_hex)
        return None if old is None else str(old["blob_id"])

    def write_object(self, info: ObjectInfo, md5_hex: str) -> None:
        """Insert or replace, for a caller that already knows what the row replaces (`put_state`)."""
        self._c.execute(
            f"INSERT OR REPLACE INTO objects ({OBJECT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.bucket,
                info.key,
                info.blob_id,
                info.size,
                md5_hex,
                info.etag,
                str(info.crc64),
                from_dt(info.last_modified),
                info.content_type,
                info.storage_class,
                dump(info.headers),
                dump(info.meta),
                info.version_id,
                info.acl,
                dump_tags(info.tags),
            ),
        )

    def delete_object(self, bucket: str, key: str) -> str | None:
        row = self._c.execute(
            "DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING blob_id", (bucket, key)
        ).fetchone()
        return None if row is None else str(row["blob_id"])

    def iter_objects(
        self, bucket: str, lower: str, inclusive: bool, upper: str | None
    ) -> Generator[ObjectInfo, None, None]:
        """Objects with lower <(=) key < upper in key order, stepped lazily: the caller may stop early."""
        sql = f"SELECT {OBJECT_COLS} FROM objects WHERE bucket = ? AND key {'>=' if inclusive else '>'} ?"
        args: list[str] = [bucket, lower]
        if upper is not None:
            sql += " AND key < ?"
            args.append(upper)
        cur = self._c.execute(sql + " ORDER BY key", args)
        try:
            for row in cur:
                yield object_row(row)
        finally:
            cur.close()

    # --- uploads and parts --------------------------------------------------------------------
    def insert_upload(self, info: UploadInfo) -> None:
        self._c.execute(
            "INSERT INTO uploads (upload_id, bucket, key, initiated, content_type, storage_class, headers,"
            " meta, acl, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.upload_id,
                info.bucket,
                info.key,
                from_dt(info.initiated),
                info.content_type,
                info.storage_class,
                dump(info.headers),
                dump(info.meta),
                info.acl,
                dump_tags(info.tags),
            ),
        )

    def get_upload(self, upload_id: str) -> UploadInfo | None:
        row = self._c.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        return None if row is None else upload_row(row)

    def list_uploads(self, bucket: str, prefix: str) -> list[UploadInfo]:
        # COS/S3 order: by key, then initiation time; rowid breaks ties within one second.
        sql = "SELECT * FROM uploads WHERE bucket = ? AND key >= ?"
        args: list[str] = [bucket, prefix]
        upper = prefix_upper(prefix) if prefix else None
        if upper is not None:
            sql += " AND key < ?"
            args.append(upper)
        rows = self._c.execute(sql + " ORDER BY key, initiated, rowid", args).fetchall()
        return [upload_row(r) for r in rows]

    def delete_upload(self, upload_id: str) -> list[str]:
        """Remove the upload and its parts; returns the part blob ids to release."""
        rows = self._c.execute("DELETE FROM parts WHERE upload_id = ? RETURNING blob_id", (upload_id,)).fetchall()
        self._c.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
        return [str(r["blob_id"]) for r in rows]

    def put_part(self, upload_id: str, part: PartRow) -> str | None:
        """Insert or replace a part; returns the replaced part's blob id."""
        old = self._c.execute(
            "SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?",
            (upload_id, part.info.part_number),
        ).fetchone()
        self._c.execute(
            "INSERT OR REPLACE INTO parts (upload_id, part_number, blob_id, size, md5_hex, crc64,"
            " last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                upload_id,
                part.info.part_number,
                part.blob_id,
                part.info.size,
                part.md5_hex,
                str(part.info.crc64),
                from_dt(part.info.last_modified),
            ),
        )
        return None if old is None else str(old["blob_id"])

    def parts(self, upload_id: str) -> list[PartRow]:
        rows = self._c.execute("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number", (upload_id,)).fetchall()
        return [
            PartRow(
                PartInfo(
                    part_number=r["part_number"],
                    etag=f'"{r["md5_hex"]}"',
                    size=r["size"],
                    crc64=int(r["crc64"]),
                    last_modified=to_dt(r["last_modified"]),
                ),
                blob_id=r["blob_id"],
                md5_hex=r["md5_hex"],
            )
            for r in rows
        ]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A step of the transaction that an exception undoes alone (the transaction goes on)."""
        self._c.execute("SAVEPOINT step")
        try:
            yield
        except BaseException:
            self._c.execute("ROLLBACK TO step")
            self._c.execute("RELEASE step")
            raise
        self._c.execute("RELEASE step")

    # --- blob references ----------------------------------------------------------------------
    def is_referenced(self, blob_id: str) -> bool:
        sql = (
            "SELECT EXISTS (SELECT 1 FROM objects WHERE blob_id = ?) OR EXISTS (SELECT 1 FROM parts WHERE blob_id = ?)"
            " OR EXISTS (SELECT 1 FROM object_versions WHERE blob_id = ?)"
        )
        return bool(self._c.execute(sql, (blob_id, blob_id, blob_id)).fetchone()[0])

    def release(self, blob_ids: Iterable[str | None]) -> set[str]:
        """Of `blob_ids` (bodies some row stopped naming), those no row names any more: inline ones are
        deleted here, in this transaction; the others, blob files, are returned for the caller to unlink
        once the transaction has committed."""
        files: set[str] = set()
        for blob_id in {b for b in blob_ids if b}:
            if not self.drop_inline_if_unreferenced(blob_id) and not self.is_referenced(blob_id):
                files.add(blob_id)  # not inline (or still named): a file, or nothing to do
        return files

    def referenced_blobs(self) -> set[str]:
        rows = self._c.execute(
            "SELECT blob_id FROM objects UNION SELECT blob_id FROM parts"
            " UNION SELECT blob_id FROM object_versions WHERE blob_id IS NOT NULL"
        )
        return {str(r[0]) for r in rows}

    def purge_bucket(self, bucket: str) -> list[str]:
        """Delete a bucket's contents (not the bucket); returns every blob id its rows named."""
        self.configs_changed = True
        blobs = [
            str(r[0])
            for r in self._c.execute(
                "DELETE FROM parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE bucket = ?)"
                " RETURNING blob_id",
                (bucket,),
            ).fetchall()
        ]
        self._c.execute("DELETE FROM uploads WHERE bucket = ?", (bucket,))
        for table in ("objects", "object_versions"):
            rows = self._c.execute(f"DELETE FROM {table} WHERE bucket = ? RETURNING blob_id", (bucket,)).fetchall()
            blobs += [str(r[0]) for r in rows if r[0] is not None]
        self._c.execute("DELETE FROM bucket_configs WHERE bucket = ?", (bucket,))
        return blobs

    def clear(self) -> None:
        self.buckets_changed = self.configs_changed = True
        for table in ("parts", "uploads", "objects", "object_versions", "bucket_configs", "buckets", "inline_bodies"):
            self._c.execute(f"DELETE FROM {table}")


class MetaDB:
    """The connections, their locks and the schema. `path=None` is an in-memory database.

    On disk there are two connections: the writer (behind `lock`), and a read-only one for reads
    (behind its own lock). In WAL mode a reader sees the last committed state and never waits for a
    writer, so a GET or HEAD on the event loop is not held up by another request's fsync. In memory
    the one connection serves both (an in-memory database is per connection), behind `lock`.
    Lock order: `lock`, then the reader's, never the other way round.
    """

    def __init__(self, path: Path | None) -> None:
        self.lock = threading.RLock()  # re-entrant: the store nests a release inside a write
        # Called with (`buckets_changed`, `configs_changed`) when a write transaction ends, committed or
        # not: the read cache drops what the transaction may have changed (readcache.py).
        self.after_write: list[Callable[[bool, bool], None]] = []
        self._conn = _connect(path)
        if path is not None:
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise RuntimeError(f"{path}: SQLite refused WAL mode ({mode})")
        # FULL: the WAL is fsynced at every commit, so an acknowledged write is on disk.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._migrate(path)
        if path is None:
            self._reader, self._read_lock = self._conn, self.lock
        else:
            self._reader, self._read_lock = _connect(path), threading.RLock()
            self._reader.execute("PRAGMA query_only=1")

    def _migrate(self, path: Path | None) -> None:
        with self.tx(write=True) as _:
            migrate(self._conn, path)

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[MetaTx]:
        """One transaction: committed on normal exit, rolled back on an exception. A write holds `lock`
        (IMMEDIATE takes SQLite's write lock up front; there is one writer, so it never waits); a read
        runs on the reader and sees one consistent committed snapshot."""
        conn, lock = (self._conn, self.lock) if write else (self._reader, self._read_lock)
        with lock:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            tx = MetaTx(conn)
            try:
                yield tx
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                if write:  # after the COMMIT: see readcache.py for why that order keeps caches coherent
                    for written in self.after_write:
                        written(tx.buckets_changed, tx.configs_changed)

    @contextmanager
    def single(self) -> Iterator[MetaTx]:
        """The reader outside a transaction: every statement is its own snapshot. For lookups that are
        one SELECT (saves a BEGIN and a COMMIT on the hottest paths)."""
        with self._read_lock:
            yield MetaTx(self._reader)

    def close(self) -> None:
        with self.lock:
            if self._reader is not self._conn:
                with self._read_lock:
                    self._reader.close()
            self._conn.close()


def _bucket_row(row: sqlite3.Row) -> BucketInfo:
    return BucketInfo(row["name"], row["region"], to_dt(row["created"]), bool(row["public_read"]))


def _connect(path: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn
