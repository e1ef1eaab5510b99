"""Seeding from a folder (fake-gcs-server's `/data`): `<bucket-appid>/<key path>` → buckets and objects.

Each top-level folder is a bucket (an empty folder is an empty bucket), each file beneath it an
object whose key is its relative path with `/` separators, its Content-Type guessed from the
extension. Seeding only adds what is missing, so a restart on a durable data dir keeps everything
written since, and it is idempotent. Files are streamed, never read whole; an unreadable file or a
folder that is not a valid bucket name stops startup with a message naming it (never a silent skip).
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread

from cos_ocr_emulator.addressing import is_valid_bucket_name
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.base import Store
from cos_ocr_emulator.storage.models import NewObject

log = logging.getLogger("cos_ocr_emulator.seed")
CHUNK = 1024 * 1024


class SeedError(RuntimeError):
    """The seed folder cannot be loaded; the message names the file or folder and why."""


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := await anyio.to_thread.run_sync(fh.read, CHUNK):
            yield chunk


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, _dirnames, filenames in os.walk(root, onerror=_raise):
        found += [Path(dirpath) / name for name in filenames]
    return sorted(found)


def _raise(exc: OSError) -> None:
    raise SeedError(f"cannot read seed folder {exc.filename}: {exc.strerror}") from exc


async def seed(store: Store, seed_dir: Path, *, region: str, appid: str, max_size: int) -> tuple[int, int]:
    """Load `seed_dir` into `store`; returns (buckets created, objects written)."""
    if not seed_dir.is_dir():
        raise SeedError(f"seed folder {seed_dir} does not exist or is not a folder")
    existing = {b.name for b in store.list_buckets()}
    buckets = objects = 0
    for folder in sorted(p for p in seed_dir.iterdir() if p.is_dir()):
        name = folder.name
        if not is_valid_bucket_name(name) or not name.endswith(f"-{appid}"):
            raise SeedError(f"seed folder {folder}: {name!r} is not a bucket name ending in -{appid}")
        if name not in existing:
            store.create_bucket(name, region)
            buckets += 1
        for path in _files(folder):
            key = path.relative_to(folder).as_posix()
            if _present(store, name, key, path):
                continue
            objects += await _put(store, name, key, path, max_size)
    log.info("seeded %s: %d buckets created, %d objects written", seed_dir, buckets, objects)
    return buckets, objects


def _present(store: Store, bucket: str, key: str, path: Path) -> bool:
    try:
        store.head_object(bucket, key)
    except CosError:
        return False
    return True


async def _put(store: Store, bucket: str, key: str, path: Path, max_size: int) -> int:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        staged = await store.stage(_chunks(path), max_size=max_size)
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror or exc}") from exc
    except CosError as exc:  # e.g. larger than max_object_size
        raise SeedError(f"cannot store seed file {path}: {exc.code}: {exc.message}") from exc
    await anyio.to_thread.run_sync(lambda: store.put_object(bucket, key, staged, NewObject(content_type=content_type)))
    return 1
