"""`OcrCache` on a real SQLite file: LRU by bytes, the reset guard, damaged files, and what the
engine identity covers (the SDK-level behaviour is in tests/contract/test_ocr_cache.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.cache import OcrCache, cache_key, fingerprint
from cos_ocr_emulator.ocr.engine.canned import CannedEngine
from cos_ocr_emulator.ocr.request import OcrRequest

KEY_BYTES = 64  # sha256 hex keys count towards an entry's size


def key(n: int) -> str:
    return f"{n:064x}"


def test_lru_evicts_the_least_recently_used_first(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path / "c.sqlite3", max_bytes=3 * (KEY_BYTES + 100))
    for n in range(3):
        cache.put(key(n), bytes(100), cache.generation)
    assert cache.get(key(0)) is not None  # 0 is now more recent than 1 and 2
    cache.put(key(3), bytes(100), cache.generation)
    assert [cache.get(key(n)) is not None for n in range(4)] == [True, False, True, True]
    stats = cache.stats()
    assert (stats.entries, stats.bytes) == (3, 3 * (KEY_BYTES + 100))


def test_a_big_entry_evicts_several_and_one_bigger_than_the_cache_is_not_stored(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path / "c.sqlite3", max_bytes=1000)
    for n in range(4):
        cache.put(key(n), bytes(100), cache.generation)
    cache.put(key(9), bytes(700), cache.generation)
    assert [cache.get(key(n)) is not None for n in (0, 1, 2, 3, 9)] == [False, False, False, True, True]
    cache.put(key(10), bytes(1000), cache.generation)
    assert cache.get(key(10)) is None and cache.stats().entries == 2


def test_replacing_an_entry_counts_its_size_once(tmp_path: Path) -> None:
    cache = OcrCache(None, max_bytes=10_000)
    cache.put(key(1), bytes(100), 0)
    cache.put(key(1), bytes(300), 0)
    assert (cache.stats().entries, cache.stats().bytes) == (1, KEY_BYTES + 300)


def test_a_result_computed_before_a_clear_is_not_stored_after_it(tmp_path: Path) -> None:
    cache = OcrCache(None, max_bytes=10_000)
    started = cache.generation
    assert cache.clear() == 0
    cache.put(key(1), b"stale", started)
    assert cache.get(key(1)) is None


def test_entries_and_their_order_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = OcrCache(path, max_bytes=2 * (KEY_BYTES + 10))
    cache.put(key(1), b"one".ljust(10), 0)
    cache.put(key(2), b"two".ljust(10), 0)
    cache.get(key(1))
    cache.close()
    reopened = OcrCache(path, max_bytes=2 * (KEY_BYTES + 10))
    assert reopened.stats().bytes == 2 * (KEY_BYTES + 10)
    reopened.put(key(3), b"three".ljust(10), 0)  # evicts 2: 1 was used after it before the restart
    assert reopened.get(key(1)) == b"one".ljust(10) and reopened.get(key(2)) is None


def test_a_damaged_file_is_replaced_by_an_empty_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    cache = OcrCache(path, max_bytes=1000)
    assert cache.stats().entries == 0
    cache.put(key(1), b"x", 0)
    assert cache.get(key(1)) == b"x"
    assert "unreadable" in caplog.text


def test_the_key_covers_content_and_every_request_field() -> None:
    base = cache_key("id", "a" * 64, OcrRequest())
    assert cache_key("id", "a" * 64, OcrRequest()) == base
    variants = [
        cache_key("other", "a" * 64, OcrRequest()),
        cache_key("id", "b" * 64, OcrRequest()),
        cache_key("id", "a" * 64, OcrRequest(type="fast")),
        cache_key("id", "a" * 64, OcrRequest(language_type="jap")),
        cache_key("id", "a" * 64, OcrRequest(ispdf=True)),
        cache_key("id", "a" * 64, OcrRequest(ispdf=True, pdf_pagenumber=2)),
        cache_key("id", "a" * 64, OcrRequest(isword=True)),
        cache_key("id", "a" * 64, OcrRequest(type="handwriting", enable_word_polygon=True)),
    ]
    assert len({base, *variants}) == len(variants) + 1


class VersionedEngine(CannedEngine):
    def __init__(self, name: str, version: str) -> None:
        super().__init__()
        self.name, self._version = name, version

    def version(self) -> str:
        return self._version


def test_the_identity_covers_engine_traineddata_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    for name in ("eng.traineddata", "osd.traineddata"):
        shutil.copyfile(languages.tessdata_dir() / name, tessdata / name)
    monkeypatch.setattr(languages, "tessdata_dir", lambda: tessdata)
    settings = Settings()
    base = fingerprint(VersionedEngine("tesserocr", "5.3.0"), settings)
    assert fingerprint(VersionedEngine("tesserocr", "5.3.0"), settings) == base
    assert fingerprint(VersionedEngine("ppocr", "5.3.0"), settings) != base
    assert fingerprint(VersionedEngine("tesserocr", "5.4.0"), settings) != base
    assert fingerprint(VersionedEngine("tesserocr", "5.3.0"), Settings(ocr_pdf_dpi=300)) != base
    stat = (tessdata / "eng.traineddata").stat()
    os.utime(tessdata / "eng.traineddata", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = fingerprint(VersionedEngine("tesserocr", "5.3.0"), settings)
    assert touched != base
    shutil.copyfile(languages.tessdata_dir() / "eng.traineddata", tessdata / "fra.traineddata")
    assert fingerprint(VersionedEngine("tesserocr", "5.3.0"), settings) not in (base, touched)
