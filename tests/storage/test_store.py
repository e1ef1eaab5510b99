"""The Store contract, run against memory and disk (the `store` fixture is parametrized over both)."""

from __future__ import annotations

import hashlib
import itertools
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import anyio
import anyio.to_thread
import crcmod
import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MIN_PART_SIZE
from cos_ocr_emulator.storage.inline import INLINE_MAX
from cos_ocr_emulator.storage.models import NewObject
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import FakeClock, Putter, Stager

BUCKET = "examplebucket-1250000000"
OTHER = "other-1250000000"
WEIRD_KEYS = [
    "../../x",
    "abc/../",
    "a b+c%20d",
    "发票/扫描 01.png",
    "长" * 283 + "x",  # 850 bytes of UTF-8
    "/leading/slash",
    "trailing/",
    "dots/./..",
    "nul-free but tab\tand newline\n",
    "%2F..%2F",
]
_reference_crc = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)


def _code(err: pytest.ExceptionInfo[CosError]) -> tuple[str, int]:
    return err.value.code, err.value.status


def _bodies(store: SqliteStore) -> list[str]:
    """The ids of every body the store holds, blob file or inline."""
    files, inline = store.body_ids()
    return sorted(files | inline)


def _body(store: SqliteStore, bucket: str, key: str) -> bytes:
    info = store.head_object(bucket, key)
    return b"".join(store.read_range(info, 0, info.size - 1))


def _assert_layout(store: SqliteStore, tmp_path: Path) -> None:
    """Everything the store wrote is inside its data dir, in the documented layout, and nowhere else."""
    top = {"LOCK", "meta.sqlite3", "meta.sqlite3-wal", "meta.sqlite3-shm", "tmp", "blobs"}
    for path in store.data_dir.rglob("*"):
        parts = path.relative_to(store.data_dir).parts
        assert parts[0] in top, path
        if parts[0] == "blobs" and len(parts) > 1:
            assert len(parts[1]) == 2 and len(parts) <= 3, path
            if len(parts) == 3:
                assert parts[2].startswith(parts[1]) and len(parts[2]) == 64, path
        assert parts[0] != "tmp" or len(parts) == 1, f"temp file left behind: {path}"
    for path in tmp_path.rglob("*"):
        assert path == store.data_dir or store.data_dir in path.parents, f"written outside data dir: {path}"


# --- objects ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", WEIRD_KEYS)
def test_weird_keys_round_trip_and_never_become_paths(
    store: SqliteStore, put: Putter, tmp_path: Path, key: str
) -> None:
    data = key.encode() * 3
    info = put(key, data)
    assert info.key == key
    assert _body(store, BUCKET, key) == data
    assert [o.key for o in store.list_objects(BUCKET).contents] == [key]
    assert store.list_objects(BUCKET, prefix=key).contents[0].key == key
    _assert_layout(store, tmp_path)
    store.delete_object(BUCKET, key)
    with pytest.raises(CosError) as err:
        store.head_object(BUCKET, key)
    assert _code(err) == ("NoSuchKey", 404)
    _assert_layout(store, tmp_path)


def test_put_records_digests_metadata_and_time(store: SqliteStore, put: Putter, clock: FakeClock) -> None:
    clock.now = 1_700_000_123.987
    data = os.urandom(200_001)
    new = NewObject(
        content_type="image/png",
        headers={"Content-Disposition": 'attachment; filename="a b.png"', "Cache-Control": "no-cache"},
        meta={"x-cos-meta-md5": hashlib.md5(data).hexdigest(), "x-cos-meta-名字": "值"},
    )
    put("a.png", data, new=new)
    info = store.head_object(BUCKET, "a.png")
    assert info.size == len(data)
    assert info.etag == f'"{hashlib.md5(data).hexdigest()}"'
    assert info.crc64 == _reference_crc(data)
    assert info.blob_id == hashlib.sha256(data).hexdigest()
    assert (info.content_type, info.headers, info.meta) == ("image/png", new.headers, new.meta)
    assert info.last_modified == datetime(2023, 11, 14, 22, 15, 23, tzinfo=UTC)  # whole seconds, UTC
    assert store.read_all(info) == data


def test_read_range(store: SqliteStore, put: Putter) -> None:
    data = os.urandom(300_000)
    info = put("r", data)
    for start, end in [(0, 0), (1, 65_536), (65_535, 65_537), (299_999, 299_999), (100, 10**9)]:
        assert b"".join(store.read_range(info, start, end)) == data[start : end + 1]
    assert list(store.read_range(info, 5, 4)) == []
    empty = put("empty", b"")
    assert (empty.size, empty.crc64, list(store.read_range(empty, 0, -1))) == (0, 0, [])


def test_reader_opened_before_delete_still_reads_but_later_ones_fail(store: SqliteStore, put: Putter) -> None:
    data = os.urandom(200_000)
    info = put("k", data)
    reader = store.read_range(info, 0, info.size - 1)
    store.delete_object(BUCKET, "k")
    assert b"".join(reader) == data
    with pytest.raises(CosError) as err:
        store.read_range(info, 0, 10)
    assert _code(err) == ("NoSuchKey", 404)
    with pytest.raises(CosError):
        store.read_all(info)


def test_overwrite_keeps_one_blob(store: SqliteStore, put: Putter, clock: FakeClock) -> None:
    put("k", b"old", new=NewObject(meta={"x-cos-meta-v": "1"}))
    clock.now += 5
    put("k", b"new", new=NewObject(meta={"x-cos-meta-v": "2"}))
    info = store.head_object(BUCKET, "k")
    assert (_body(store, BUCKET, "k"), info.meta) == (b"new", {"x-cos-meta-v": "2"})
    assert _bodies(store) == [hashlib.sha256(b"new").hexdigest()]


def test_delete_frees_blob_and_is_idempotent(store: SqliteStore, put: Putter) -> None:
    put("k", b"bytes")
    store.delete_object(BUCKET, "k")
    assert _bodies(store) == []
    store.delete_object(BUCKET, "k")  # COS answers 204 for a missing key
    with pytest.raises(CosError) as err:
        store.delete_object("nope-1250000000", "k")
    assert _code(err) == ("NoSuchBucket", 404)


def test_identical_bodies_share_one_blob(store: SqliteStore, put: Putter) -> None:
    put("a", b"same")
    put("b", b"same")
    put("c", b"same")
    assert len(_bodies(store)) == 1
    store.delete_object(BUCKET, "a")
    put("b", b"different")
    assert _body(store, BUCKET, "c") == b"same"
    assert len(_bodies(store)) == 2
    store.delete_object(BUCKET, "c")
    assert _bodies(store) == [hashlib.sha256(b"different").hexdigest()]


def test_missing_bucket_and_key(store: SqliteStore, stage: Stager) -> None:
    with pytest.raises(CosError) as err:
        store.head_object(BUCKET, "missing")
    assert _code(err) == ("NoSuchKey", 404)
    assert err.value.resource == f"{BUCKET}/missing"
    for call in (
        lambda: store.head_object("nope-1250000000", "k"),
        lambda: store.list_objects("nope-1250000000"),
        lambda: store.initiate_upload("nope-1250000000", "k", NewObject()),
        lambda: store.list_uploads("nope-1250000000"),
    ):
        with pytest.raises(CosError) as err:
            call()
        assert _code(err) == ("NoSuchBucket", 404)
    for body in (b"orphan", b"orphan" * (INLINE_MAX // 6 + 1)):  # inline, and a blob file
        staged = stage(body)
        with pytest.raises(CosError) as err:
            store.put_object("nope-1250000000", "k", staged, NewObject())
        assert _code(err) == ("NoSuchBucket", 404)
        assert staged.path is None or not staged.path.exists()
    assert list((store.data_dir / "tmp").iterdir()) == [] and _bodies(store) == []


def test_copy_object_shares_blob(store: SqliteStore, put: Putter, clock: FakeClock) -> None:
    store.create_bucket(OTHER, "ap-beijing")
    src = put("src", b"payload", new=NewObject(content_type="text/plain", meta={"x-cos-meta-a": "1"}))
    clock.now += 60
    copy = store.copy_object(BUCKET, "src", OTHER, "dst", NewObject(content_type="text/x", meta={}))
    assert (copy.etag, copy.crc64, copy.size, copy.blob_id) == (src.etag, src.crc64, src.size, src.blob_id)
    assert copy.last_modified > src.last_modified
    assert (copy.content_type, copy.meta) == ("text/x", {})
    assert len(_bodies(store)) == 1
    store.delete_object(BUCKET, "src")
    assert _body(store, OTHER, "dst") == b"payload"
    # onto itself, replacing metadata (the handler's choice), keeps the bytes
    clock.now += 60
    again = store.copy_object(OTHER, "dst", OTHER, "dst", NewObject(meta={"x-cos-meta-b": "2"}))
    assert again.meta == {"x-cos-meta-b": "2"} and again.last_modified > copy.last_modified
    assert _body(store, OTHER, "dst") == b"payload" and len(_bodies(store)) == 1
    with pytest.raises(CosError) as err:
        store.copy_object(BUCKET, "missing", OTHER, "x", NewObject())
    assert _code(err) == ("NoSuchKey", 404)
    with pytest.raises(CosError) as err:
        store.copy_object(OTHER, "dst", "nope-1250000000", "x", NewObject())
    assert _code(err) == ("NoSuchBucket", 404)


# --- buckets ------------------------------------------------------------------------------------
def test_buckets(store: SqliteStore, put: Putter, clock: FakeClock) -> None:
    clock.now = 1_800_000_000
    created = store.create_bucket("b-1250000000", "ap-shanghai", public_read=True)
    assert created.created == datetime.fromtimestamp(1_800_000_000, tz=UTC)
    assert store.get_bucket("b-1250000000") == created
    store.create_bucket("a-1250000000", "ap-guangzhou")
    assert [b.name for b in store.list_buckets()] == ["a-1250000000", "b-1250000000", BUCKET]
    with pytest.raises(CosError) as err:
        store.create_bucket("a-1250000000", "ap-guangzhou")
    assert _code(err) == ("BucketAlreadyOwnedByYou", 409)
    put("k", b"x", bucket="a-1250000000")
    with pytest.raises(CosError) as err:
        store.delete_bucket("a-1250000000")
    assert _code(err) == ("BucketNotEmpty", 409)
    store.delete_object("a-1250000000", "k")
    store.delete_bucket("a-1250000000")
    for call in (lambda: store.get_bucket("a-1250000000"), lambda: store.delete_bucket("a-1250000000")):
        with pytest.raises(CosError) as err:
            call()
        assert _code(err) == ("NoSuchBucket", 404)


def test_bucket_with_upload_in_progress_is_not_empty(store: SqliteStore) -> None:
    store.create_bucket(OTHER, "ap-guangzhou")
    upload = store.initiate_upload(OTHER, "big", NewObject())
    with pytest.raises(CosError) as err:
        store.delete_bucket(OTHER)
    assert _code(err) == ("BucketNotEmpty", 409)
    store.abort_upload(OTHER, "big", upload.upload_id)
    store.delete_bucket(OTHER)


def test_reset_drops_everything(store: SqliteStore, put: Putter) -> None:
    put("a", b"1")
    store.initiate_upload(BUCKET, "b", NewObject())
    store.reset()
    assert store.list_buckets() == [] and _bodies(store) == []
    store.create_bucket(BUCKET, "ap-guangzhou")
    assert store.list_objects(BUCKET).contents == [] and store.list_uploads(BUCKET) == []
    put("a", b"1")
    assert _body(store, BUCKET, "a") == b"1"


# --- listing --------------------------------------------------------------------------------------
LIST_KEYS = [
    *(f"photos/2024/{i:02d}.jpg" for i in range(12)),
    *(f"photos/2025/{i:02d}.jpg" for i in range(6)),
    *(f"docs/{n}" for n in ("a.txt", "b.txt", "sub/c.txt", "sub/d.txt", "sub/deeper/e.txt")),
    *(f"file{i}" for i in range(10)),
    "photos/readme",
    "photos/",
    "photos",
    "é-accent",
    "z-last",
    "Z-upper",
    "~tilde",
    "发票/1.png",
    "发票/2.png",
    "a b+c%20d",
    "../../x",
    "abc/../",
    "a\U0001f600/emoji",
    "a\uffff/bmp-last",
    "-dash",
]


def _reference_list(
    keys: list[str], prefix: str, delimiter: str, marker: str, max_keys: int
) -> tuple[list[str], list[str], bool, str | None]:
    """The v1 rules spelled out naively over a sorted Python list."""

    def fold(key: str) -> str | None:
        cut = key.find(delimiter, len(prefix)) if delimiter and key.startswith(prefix) else -1
        return None if cut < 0 else key[: cut + len(delimiter)]

    entries: list[tuple[str, bool]] = []  # (name, is_prefix) in order
    marker_fold = fold(marker) if marker else None
    for key in sorted(keys, key=lambda k: k.encode()):
        if not key.startswith(prefix) or (marker and key.encode() <= marker.encode()):
            continue
        cp = fold(key)
        if cp is None:
            entries.append((key, False))
        elif cp != marker_fold and (cp, True) not in entries:
            entries.append((cp, True))
    page = entries[:max_keys]
    truncated = len(entries) > max_keys > 0
    return (
        [n for n, p in page if not p],
        [n for n, p in page if p],
        truncated,
        page[-1][0] if truncated else None,
    )


@pytest.fixture
def listed(store: SqliteStore, put: Putter) -> SqliteStore:
    for key in LIST_KEYS:
        put(key, key.encode())
    return store


def test_list_plain_is_utf8_byte_order(listed: SqliteStore) -> None:
    result = listed.list_objects(BUCKET)
    assert [o.key for o in result.contents] == sorted(LIST_KEYS, key=lambda k: k.encode())
    assert (result.common_prefixes, result.is_truncated, result.next_marker) == ([], False, None)
    assert result.contents[0].etag == f'"{hashlib.md5(result.contents[0].key.encode()).hexdigest()}"'


def test_list_prefix_and_delimiter(listed: SqliteStore) -> None:
    top = listed.list_objects(BUCKET, delimiter="/")
    assert top.common_prefixes == ["../", "abc/", "a\uffff/", "a\U0001f600/", "docs/", "photos/", "发票/"]
    assert "photos" in [o.key for o in top.contents] and "file3" in [o.key for o in top.contents]
    photos = listed.list_objects(BUCKET, prefix="photos/", delimiter="/")
    assert photos.common_prefixes == ["photos/2024/", "photos/2025/"]
    assert [o.key for o in photos.contents] == ["photos/", "photos/readme"]
    docs = listed.list_objects(BUCKET, prefix="docs/sub/", delimiter="/")
    assert ([o.key for o in docs.contents], docs.common_prefixes) == (
        ["docs/sub/c.txt", "docs/sub/d.txt"],
        ["docs/sub/deeper/"],
    )
    assert listed.list_objects(BUCKET, prefix="nothing-here").contents == []


def test_list_truncation_and_markers(listed: SqliteStore) -> None:
    page = listed.list_objects(BUCKET, delimiter="/", max_keys=3)
    assert page.is_truncated
    assert ([o.key for o in page.contents], page.common_prefixes) == (["-dash", "Z-upper"], ["../"])
    assert page.next_marker == "Z-upper"
    folder_last = listed.list_objects(BUCKET, delimiter="/", max_keys=2)
    assert (folder_last.common_prefixes, folder_last.next_marker) == (["../"], "../")  # a prefix can be it
    resumed = listed.list_objects(BUCKET, prefix="photos/", delimiter="/", marker="photos/2024/")
    assert resumed.common_prefixes == ["photos/2025/"]  # the marker's own folder is not repeated
    zero = listed.list_objects(BUCKET, max_keys=0)
    assert (zero.contents, zero.common_prefixes, zero.is_truncated, zero.next_marker) == ([], [], False, None)
    assert len(listed.list_objects(BUCKET, max_keys=5000).contents) == len(LIST_KEYS)  # capped at 1000
    with pytest.raises(CosError) as err:
        listed.list_objects(BUCKET, max_keys=-1)
    assert err.value.code == "InvalidArgument"


@pytest.mark.parametrize("delimiter", ["", "/", "2", "b/"])
@pytest.mark.parametrize("prefix", ["", "photos/", "photos/20", "docs/", "a", "发"])
def test_list_matches_reference_and_pages_cover_everything(listed: SqliteStore, prefix: str, delimiter: str) -> None:
    rng = random.Random(f"{prefix}|{delimiter}")
    markers = ["", "photos/2024/", "docs/sub", "file5", "photos/2024/03.jpg", "~", "a", "发票/"]
    for marker, max_keys in itertools.product(markers, [1, 2, 7, 1000]):
        got = listed.list_objects(BUCKET, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys)
        expected = _reference_list(LIST_KEYS, prefix, delimiter, marker, max_keys)
        assert (
            [o.key for o in got.contents],
            got.common_prefixes,
            got.is_truncated,
            got.next_marker,
        ) == expected
    # Following next_marker visits every entry exactly once, like the SDKs' list loops.
    full = _reference_list(LIST_KEYS, prefix, delimiter, "", 1000)
    seen_keys: list[str] = []
    seen_prefixes: list[str] = []
    marker = ""
    while True:
        page = listed.list_objects(
            BUCKET, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=rng.randint(1, 4)
        )
        seen_keys += [o.key for o in page.contents]
        seen_prefixes += page.common_prefixes
        if not page.is_truncated:
            break
        assert page.next_marker is not None
        marker = page.next_marker
    assert (seen_keys, seen_prefixes) == (full[0], full[1])


# --- multipart ------------------------------------------------------------------------------------
def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_multipart_complete_etag_crc_and_cleanup(store: SqliteStore, stage: Stager, clock: FakeClock) -> None:
    bodies = [os.urandom(MIN_PART_SIZE), os.urandom(MIN_PART_SIZE + 3), os.urandom(1234)]
    upload = store.initiate_upload(BUCKET, "big.bin", NewObject(content_type="video/mp4", meta={"x-cos-meta-a": "b"}))
    assert len(upload.upload_id) == 32 and int(upload.upload_id, 16) >= 0
    store.upload_part(BUCKET, "big.bin", upload.upload_id, 2, stage(b"to be replaced" * 100_000))
    parts = [store.upload_part(BUCKET, "big.bin", upload.upload_id, n, stage(b)) for n, b in enumerate(bodies, 1)]
    assert [p.etag for p in parts] == [f'"{_md5(b)}"' for b in bodies]
    assert [p.crc64 for p in parts] == [_reference_crc(b) for b in bodies]
    assert store.list_parts(BUCKET, "big.bin", upload.upload_id) == parts
    clock.now += 10
    listed = [(1, parts[0].etag), (2, parts[1].etag.strip('"')), (3, parts[2].etag.upper())]  # quoted or bare
    info = store.complete_upload(BUCKET, "big.bin", upload.upload_id, listed)
    whole = b"".join(bodies)
    md5_of_md5s = hashlib.md5(b"".join(hashlib.md5(b).digest() for b in bodies)).hexdigest()
    assert info.etag == f'"{md5_of_md5s}-3"'
    assert info.crc64 == _reference_crc(whole)
    assert (info.size, info.content_type, info.meta) == (len(whole), "video/mp4", {"x-cos-meta-a": "b"})
    assert store.head_object(BUCKET, "big.bin") == info
    assert store.read_all(info) == whole
    assert _bodies(store) == [hashlib.sha256(whole).hexdigest()]
    assert store.list_uploads(BUCKET) == []
    with pytest.raises(CosError) as err:
        store.list_parts(BUCKET, "big.bin", upload.upload_id)
    assert _code(err) == ("NoSuchUpload", 404)
    copy = store.copy_object(BUCKET, "big.bin", BUCKET, "copy.bin", NewObject())
    assert copy.etag == f'"{_md5(whole)}"'  # a copy is a plain object


def test_single_small_part_is_fine(store: SqliteStore, stage: Stager) -> None:
    upload = store.initiate_upload(BUCKET, "k", NewObject())
    part = store.upload_part(BUCKET, "k", upload.upload_id, 1, stage(b"tiny"))
    info = store.complete_upload(BUCKET, "k", upload.upload_id, [(1, part.etag)])
    assert info.etag == f'"{hashlib.md5(hashlib.md5(b"tiny").digest()).hexdigest()}-1"'
    assert _body(store, BUCKET, "k") == b"tiny"


def test_complete_validation_errors(store: SqliteStore, stage: Stager) -> None:
    upload = store.initiate_upload(BUCKET, "k", NewObject())
    uid = upload.upload_id
    p1 = store.upload_part(BUCKET, "k", uid, 1, stage(b"a" * MIN_PART_SIZE))
    p2 = store.upload_part(BUCKET, "k", uid, 2, stage(b"b" * (MIN_PART_SIZE - 1)))
    p3 = store.upload_part(BUCKET, "k", uid, 3, stage(b"c"))
    cases: list[tuple[list[tuple[int, str]], str]] = [
        ([], "InvalidRequest"),
        ([(2, p2.etag), (1, p1.etag)], "InvalidPartOrder"),
        ([(1, p1.etag), (1, p1.etag)], "InvalidPartOrder"),
        ([(1, p1.etag), (4, p1.etag)], "InvalidPart"),
        ([(1, p2.etag)], "InvalidPart"),
        ([(1, p1.etag), (2, p2.etag), (3, p3.etag)], "EntityTooSmall"),
    ]
    for parts, code in cases:
        with pytest.raises(CosError) as err:
            store.complete_upload(BUCKET, "k", uid, parts)
        assert _code(err) == (code, 400), parts
    assert len(store.list_parts(BUCKET, "k", uid)) == 3  # failed completes change nothing
    info = store.complete_upload(BUCKET, "k", uid, [(1, p1.etag), (3, p3.etag)])  # skipping part 2 is allowed
    assert info.size == MIN_PART_SIZE + 1
    assert len(_bodies(store)) == 1


def test_no_such_upload(store: SqliteStore, stage: Stager) -> None:
    upload = store.initiate_upload(BUCKET, "k", NewObject())
    calls: list[Callable[[], object]] = [
        lambda: store.get_upload(BUCKET, "k", "0" * 32),
        lambda: store.get_upload(BUCKET, "other-key", upload.upload_id),
        lambda: store.list_parts(BUCKET, "other-key", upload.upload_id),
        lambda: store.complete_upload(BUCKET, "other-key", upload.upload_id, [(1, "x")]),
        lambda: store.abort_upload(BUCKET, "other-key", upload.upload_id),
        lambda: store.upload_part(BUCKET, "other-key", upload.upload_id, 1, stage(b"x")),
    ]
    for call in calls:
        with pytest.raises(CosError) as err:
            call()
        assert _code(err) == ("NoSuchUpload", 404)
    assert store.get_upload(BUCKET, "k", upload.upload_id) == upload
    store.upload_part(BUCKET, "k", upload.upload_id, 1, stage(b"part"))
    store.abort_upload(BUCKET, "k", upload.upload_id)
    assert _bodies(store) == [] and list((store.data_dir / "tmp").iterdir()) == []
    with pytest.raises(CosError) as err:
        store.abort_upload(BUCKET, "k", upload.upload_id)
    assert _code(err) == ("NoSuchUpload", 404)
    with pytest.raises(CosError) as err:
        store.upload_part(BUCKET, "k", upload.upload_id, 0, stage(b"x"))
    assert err.value.code == "InvalidArgument"


def test_copy_part(store: SqliteStore, put: Putter, stage: Stager) -> None:
    src = put("src", os.urandom(3 * MIN_PART_SIZE))
    data = store.read_all(src)
    upload = store.initiate_upload(BUCKET, "dst", NewObject())
    p1 = store.copy_part(BUCKET, "dst", upload.upload_id, 1, src, 0, MIN_PART_SIZE - 1)
    p2 = store.copy_part(BUCKET, "dst", upload.upload_id, 2, src, 2 * MIN_PART_SIZE, 3 * MIN_PART_SIZE - 10)
    assert p1.etag == f'"{_md5(data[:MIN_PART_SIZE])}"' and p2.crc64 == _reference_crc(data[2 * MIN_PART_SIZE : -9])
    info = store.complete_upload(BUCKET, "dst", upload.upload_id, [(1, p1.etag), (2, p2.etag)])
    expected = data[:MIN_PART_SIZE] + data[2 * MIN_PART_SIZE : -9]
    assert store.read_all(info) == expected and info.crc64 == _reference_crc(expected)
    with pytest.raises(CosError) as err:
        store.copy_part(BUCKET, "dst", upload.upload_id, 1, src, 0, src.size)
    assert err.value.code == "InvalidRange"
    with pytest.raises(CosError) as err:
        store.copy_part(BUCKET, "dst", upload.upload_id, 1, src, 0, 1)
    assert err.value.code == "NoSuchUpload"


def test_list_uploads_by_prefix_in_initiated_order(store: SqliteStore, clock: FakeClock) -> None:
    made = []
    for key in ["b/2", "a/1", "b/2", "b/1", "c"]:
        clock.now += 1
        made.append(store.initiate_upload(BUCKET, key, NewObject()))
    got = store.list_uploads(BUCKET, prefix="b/")
    assert [(u.key, u.upload_id) for u in got] == [
        ("b/1", made[3].upload_id),
        ("b/2", made[0].upload_id),
        ("b/2", made[2].upload_id),
    ]
    assert [u.key for u in store.list_uploads(BUCKET)] == ["a/1", "b/1", "b/2", "b/2", "c"]
    assert store.list_uploads(BUCKET, prefix="b/2")[0].initiated < store.list_uploads(BUCKET, prefix="b/2")[1].initiated


# --- concurrency and reopening ----------------------------------------------------------------------
def test_200_concurrent_puts_and_deletes(store: SqliteStore, tmp_path: Path) -> None:
    """Handlers stage on the event loop and put from worker threads; shared contents and keys collide."""
    bodies = [os.urandom(1000 + i) for i in range(20)]

    async def one(i: int) -> None:
        from .conftest import _chunks  # same chunker the fixtures use

        staged = await store.stage(_chunks(bodies[i % 20], 333), max_size=1 << 20)
        await anyio.to_thread.run_sync(store.put_object, BUCKET, f"k{i % 50}", staged, NewObject())
        if i % 7 == 0:
            await anyio.to_thread.run_sync(store.delete_object, BUCKET, f"k{(i + 3) % 50}")

    async def run() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(200):
                tg.start_soon(one, i)

    anyio.run(run)
    objects = store.list_objects(BUCKET).contents
    referenced = {o.blob_id for o in objects}
    assert set(_bodies(store)) == referenced  # no leak, nothing missing
    for o in objects:
        assert store.read_all(o) in bodies
    _assert_layout(store, tmp_path)


def test_disk_store_survives_reopen_and_locks_its_dir(tmp_path: Path) -> None:
    from .conftest import stage_bytes

    root = tmp_path / "data"
    with SqliteStore(root) as first:
        first.create_bucket(BUCKET, "ap-guangzhou")
        first.put_object(BUCKET, "发票/扫描 01.png", stage_bytes(first, b"scan"), NewObject(meta={"x-cos-meta-k": "v"}))
        with pytest.raises(RuntimeError, match="in use"):
            SqliteStore(root)
    with SqliteStore(root) as second:
        info = second.head_object(BUCKET, "发票/扫描 01.png")
        assert (second.read_all(info), info.meta) == (b"scan", {"x-cos-meta-k": "v"})


def test_memory_store_removes_its_directory_on_close(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "unused", memory=True)
    data_dir = store.data_dir
    assert data_dir.is_dir() and not (tmp_path / "unused").exists()
    store.close()
    store.close()  # idempotent
    assert not data_dir.exists()
