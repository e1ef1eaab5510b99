"""Object versions in the store: the three versioning states, delete markers, promotion, listing, blobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.models import NewObject
from cos_ocr_emulator.storage.store import SqliteStore

from .conftest import BUCKET, Putter, stage_bytes


def _body(store: SqliteStore, key: str, version_id: str | None = None) -> bytes:
    return store.read_all(store.head_object(BUCKET, key, version_id))


def _versions(store: SqliteStore, **kw: str) -> list[tuple[str, str, bool, bool]]:
    listing = store.list_versions(BUCKET, **kw)  # type: ignore[arg-type]
    return [(e.key, e.version_id, e.is_latest, e.delete_marker) for e in listing.entries]


def _blob_count(store: SqliteStore) -> int:
    files, inline = store.body_ids()
    return len(files | inline)


def test_unversioned_bucket_has_null_versions(store: SqliteStore, put: Putter) -> None:
    assert put("a", b"1").version_id == "null"
    put("a", b"2")
    assert _versions(store) == [("a", "null", True, False)]
    assert store.delete_object(BUCKET, "a").delete_marker is False
    assert _versions(store) == [] and _blob_count(store) == 0


def test_enabled_keeps_every_version_and_delete_writes_a_marker(store: SqliteStore, put: Putter) -> None:
    put("k", b"before")  # the "null" version from before versioning
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    v1 = put("k", b"one").version_id
    v2 = put("k", b"two").version_id
    assert len({"null", v1, v2}) == 3
    assert _body(store, "k") == b"two"
    assert (_body(store, "k", v1), _body(store, "k", "null")) == (b"one", b"before")
    assert _versions(store) == [("k", v2, True, False), ("k", v1, False, False), ("k", "null", False, False)]
    outcome = store.delete_object(BUCKET, "k")
    assert outcome.delete_marker and outcome.version_id not in ("null", v1, v2)
    with pytest.raises(CosError) as err:
        store.head_object(BUCKET, "k")
    assert err.value.code == "NoSuchKey" and err.value.headers["x-cos-delete-marker"] == "true"
    with pytest.raises(CosError) as err:
        store.head_object(BUCKET, "k", outcome.version_id)
    assert (err.value.code, err.value.status) == ("MethodNotAllowed", 405)
    assert store.list_objects(BUCKET).contents == []
    assert _body(store, "k", v2) == b"two" and _blob_count(store) == 3
    # Removing the marker brings the newest version back.
    assert store.delete_object(BUCKET, "k", outcome.version_id).delete_marker is True
    assert _body(store, "k") == b"two"
    # Removing the current version promotes the previous one.
    store.delete_object(BUCKET, "k", v2)
    assert _body(store, "k") == b"one" and _blob_count(store) == 2
    with pytest.raises(CosError) as err:
        store.head_object(BUCKET, "k", v2)
    assert err.value.code == "NoSuchVersion"
    with pytest.raises(CosError) as err:
        store.delete_bucket(BUCKET)
    assert err.value.code == "BucketNotEmpty"
    for version in (v1, "null"):
        store.delete_object(BUCKET, "k", version)
    assert _versions(store) == [] and _blob_count(store) == 0
    store.delete_bucket(BUCKET)


def test_suspended_writes_replace_the_null_version(store: SqliteStore, put: Putter) -> None:
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    v1 = put("k", b"one").version_id
    store.put_bucket_config(BUCKET, "versioning", "Suspended")
    assert put("k", b"two").version_id == "null"
    assert put("k", b"three").version_id == "null"
    assert _versions(store) == [("k", "null", True, False), ("k", v1, False, False)]
    marker = store.delete_object(BUCKET, "k")
    assert (marker.version_id, marker.delete_marker) == ("null", True)
    assert _versions(store) == [("k", "null", True, True), ("k", v1, False, False)]
    assert _blob_count(store) == 1


def test_object_fields_per_version(store: SqliteStore, put: Putter) -> None:
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    v1 = put("k", b"one").version_id
    v2 = put("k", b"two").version_id
    store.set_object_fields(BUCKET, "k", v1, tags=(("a", "1"),))
    store.set_object_fields(BUCKET, "k", None, acl="public-read")
    assert store.head_object(BUCKET, "k", v1).tags == (("a", "1"),)
    current = store.head_object(BUCKET, "k")
    assert (current.version_id, current.acl, current.tags) == (v2, "public-read", ())


def test_listing_markers_prefixes_and_pages(store: SqliteStore, put: Putter) -> None:
    store.put_bucket_config(BUCKET, "versioning", "Enabled")
    ids = {key: [put(key, b"x").version_id for _ in range(2)] for key in ("a", "b/1", "b/2", "c")}
    every = _versions(store)
    assert [e[0] for e in every] == ["a", "a", "b/1", "b/1", "b/2", "b/2", "c", "c"]
    assert [e[1] for e in every[:2]] == ids["a"][::-1]
    folded = store.list_versions(BUCKET, delimiter="/")
    assert folded.common_prefixes == ["b/"] and [e.key for e in folded.entries] == ["a", "a", "c", "c"]
    pages, key_marker, version_marker = [], "", ""
    while True:
        page = store.list_versions(BUCKET, key_marker=key_marker, version_id_marker=version_marker, max_keys=3)
        pages += [(e.key, e.version_id, e.is_latest, e.delete_marker) for e in page.entries]
        if not page.is_truncated:
            break
        key_marker, version_marker = page.next_key_marker or "", page.next_version_id_marker or ""
    assert pages == every
    after_a = store.list_versions(BUCKET, key_marker="a")
    assert after_a.entries[0].key == "b/1"


def test_v2_versions_survive_reopen(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "d") as first:
        first.create_bucket(BUCKET, "ap-guangzhou")
        first.put_bucket_config(BUCKET, "versioning", "Enabled")
        v1 = first.put_object(BUCKET, "k", stage_bytes(first, b"1"), NewObject()).version_id
        first.put_object(BUCKET, "k", stage_bytes(first, b"2"), NewObject(tags=(("t", "v"),)))
        first.delete_object(BUCKET, "k")
    with SqliteStore(tmp_path / "d") as second:
        assert second.read_all(second.head_object(BUCKET, "k", v1)) == b"1"
        assert [e.delete_marker for e in second.list_versions(BUCKET).entries] == [True, False, False]
        second.purge_bucket(BUCKET)
        assert second.list_versions(BUCKET).entries == []
        assert second.body_ids() == (set(), set())
