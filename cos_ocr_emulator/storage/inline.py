"""Small bodies stored inside the metadata database (`inline_bodies`), keyed like blob files by SHA-256.

Why: a blob file costs a durable PUT a temp file, an fsync of it, a rename and an fsync of its
directory, plus an unlink when it is overwritten: several disk flushes and a dozen system calls. A body
of at most `INLINE_MAX` bytes instead goes into the same SQLite transaction as the row that names it,
so it is durable with that row's WAL commit (shared by every write of the batch, storage/commit.py)
and needs no file at all; reading it is one indexed SELECT, no file open.

Object, version and part rows name an inline body exactly as they name a blob file (`blob_id` = the
SHA-256 of the bytes), so copies and versions share it and the reference check (`is_referenced`) is
the same. Where a body lives follows from its size: a body of at most `INLINE_MAX` bytes is looked up
here first, then as a file (data directories written before schema version 4 keep their small bodies
as files; they stay readable and are never moved). An inline body no row references any more is
deleted in the transaction that dropped its last reference, so it can never outlive it or vanish early.
"""

from __future__ import annotations

import sqlite3

# Bodies up to this size (bytes) are stored inline. 64 KiB keeps a body within a few SQLite overflow
# pages and matches the GET side's one-message read (storage/facade.py SMALL_READ).
INLINE_MAX = 64 * 1024


class InlineTx:
    """SQL for `inline_bodies`; mixed into `MetaTx` (one connection, one transaction)."""

    _c: sqlite3.Connection

    def put_inline(self, blob_id: str, data: bytes) -> None:
        """Store a body (a no-op if the same content is already stored: content-addressed)."""
        self._c.execute("INSERT OR IGNORE INTO inline_bodies (blob_id, data) VALUES (?, ?)", (blob_id, data))

    def drop_inline_if_unreferenced(self, blob_id: str) -> bool:
        """Delete an inline body if no row names it; False if it is still named or not stored inline."""
        return (
            self._c.execute(
                "DELETE FROM inline_bodies WHERE blob_id = ?1 AND NOT EXISTS (SELECT 1 FROM objects WHERE"
                " blob_id = ?1) AND NOT EXISTS (SELECT 1 FROM parts WHERE blob_id = ?1) AND NOT EXISTS"
                " (SELECT 1 FROM object_versions WHERE blob_id = ?1)",
                (blob_id,),
            ).rowcount
            > 0
        )

    def read_inline(self, blob_id: str, start: int, end: int) -> bytes | None:
        """Bytes [start, end] (inclusive) of an inline body, or None if it is not stored inline."""
        row = self._c.execute(
            "SELECT substr(data, ?, ?) FROM inline_bodies WHERE blob_id = ?", (start + 1, end - start + 1, blob_id)
        ).fetchone()
        if row is None:
            return None
        return b"" if row[0] is None else bytes(row[0])  # substr of an empty BLOB is NULL

    def inline_ids(self) -> set[str]:
        return {str(r[0]) for r in self._c.execute("SELECT blob_id FROM inline_bodies")}

    def drop_unreferenced_inline(self) -> int:
        """Delete every inline body no row names (a check at open, after a crash or a bug)."""
        return self._c.execute(
            "DELETE FROM inline_bodies WHERE blob_id NOT IN (SELECT blob_id FROM objects UNION SELECT blob_id"
            " FROM parts UNION SELECT blob_id FROM object_versions WHERE blob_id IS NOT NULL)"
        ).rowcount
