"""The JSON endpoints the console reads, over HTTP against a real server (no browser)."""

from __future__ import annotations

import io

import httpx
import pytest
from conftest import FIXTURES
from pdf2image import convert_from_bytes
from PIL import Image

from cos_ocr_emulator.testing import RunningEmulator, running_emulator


def call(emu: RunningEmulator, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{emu.endpoint}/_emulator/{path}", timeout=60, **kwargs)  # type: ignore[arg-type]


def test_presigned_urls_reach_the_real_cos_endpoint(emu: RunningEmulator) -> None:
    key = "dir/a b+c%d?.txt"
    url = call(emu, "POST", "presign", json={"method": "PUT", "bucket": emu.bucket, "key": key}).json()["url"]
    assert httpx.put(emu.endpoint + url, content=b"odd key").status_code == 200
    assert emu.client().get_object(Bucket=emu.bucket, Key=key)["Body"].get_raw_stream().read() == b"odd key"
    params = {"ci-process": "OCR", "type": "fast"}
    url = call(emu, "POST", "presign", json={"method": "GET", "bucket": emu.bucket, "key": key, "params": params})
    response = httpx.get(emu.endpoint + url.json()["url"])
    assert response.status_code == 400 and b"<Code>" in response.content  # a text file is not an image
    entry = emu.requests(operation="OCR")[-1]
    assert entry["auth"] == "presigned" and entry["key"] == key


def test_presign_refuses_other_methods(emu: RunningEmulator) -> None:
    response = call(emu, "POST", "presign", json={"method": "POST", "bucket": emu.bucket, "key": "k"})
    assert response.status_code == 422


def test_listing_pages_and_folders(emu: RunningEmulator) -> None:
    client = emu.client()
    for key in ("a/1", "a/2", "b", "c", "d"):
        client.put_object(Bucket=emu.bucket, Key=key, Body=b"x")
    first = call(emu, "GET", f"buckets/{emu.bucket}/objects", params={"delimiter": "/", "max_keys": 2}).json()
    assert first["prefixes"] == ["a/"] and [o["key"] for o in first["objects"]] == ["b"] and first["is_truncated"]
    second = call(
        emu,
        "GET",
        f"buckets/{emu.bucket}/objects",
        params={"delimiter": "/", "max_keys": 2, "marker": first["next_marker"]},
    ).json()
    assert [o["key"] for o in second["objects"]] == ["c", "d"] and not second["is_truncated"]
    assert call(emu, "GET", f"buckets/{emu.bucket}/objects", params={"max_keys": 0}).status_code == 422
    missing = call(emu, "GET", "buckets/nope-1250000000/objects")
    assert (missing.status_code, missing.json()["error"]) == (404, "NoSuchBucket")


def test_bucket_totals_create_and_forced_delete(emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cos_ocr_emulator.console.api.MAX_PAGE", 1)  # totals and emptying walk every page
    name = f"totals-{emu.settings.appid}"
    assert call(emu, "PUT", f"buckets/{name}", json={"public_read": True}).status_code == 201
    assert call(emu, "PUT", f"buckets/{name}").json()["error"] == "BucketAlreadyOwnedByYou"
    client = emu.client()
    client.put_object(Bucket=name, Key="one", Body=b"12345")
    client.put_object(Bucket=name, Key="two/three", Body=b"678")
    client.put_object(Bucket=name, Key="two/four", Body=b"")
    buckets = {b["name"]: b for b in call(emu, "GET", "buckets").json()["buckets"]}
    assert (buckets[name]["objects"], buckets[name]["bytes"], buckets[name]["public_read"]) == (3, 8, True)
    quick = {b["name"]: b for b in call(emu, "GET", "buckets", params={"totals": "false"}).json()["buckets"]}
    assert quick[name]["objects"] is None and set(quick) == set(buckets)
    refused = call(emu, "DELETE", f"buckets/{name}")
    assert (refused.status_code, refused.json()["error"]) == (409, "BucketNotEmpty")
    assert call(emu, "DELETE", f"buckets/{name}", params={"force": "true"}).json()["objects_deleted"] == 3
    assert name not in {b.name for b in emu.state.store.list_buckets()}


@pytest.mark.parametrize(
    "name", ["UPPER-1250000000", "no-appid", "x-999", "-lead-1250000000", "a" * 70 + "-1250000000"]
)
def test_bad_bucket_names(emu: RunningEmulator, name: str) -> None:
    response = call(emu, "PUT", f"buckets/{name}")
    assert (response.status_code, response.json()["error"]) == (400, "InvalidBucketName")


def test_metadata(emu: RunningEmulator) -> None:
    emu.client().put_object(
        Bucket=emu.bucket, Key="m.txt", Body=b"meta", ContentType="text/plain", CacheControl="no-cache",
        Metadata={"x-cos-meta-owner": "qa"},
    )  # fmt: skip
    info = call(emu, "GET", f"buckets/{emu.bucket}/metadata", params={"key": "m.txt"}).json()
    assert info["meta"] == {"x-cos-meta-owner": "qa"} and info["headers"] == {"Cache-Control": "no-cache"}
    assert info["size"] == 4 and info["content_type"] == "text/plain" and info["tags"] == []
    emu.client().put_object_tagging(
        Bucket=emu.bucket, Key="m.txt", Tagging={"TagSet": {"Tag": [{"Key": "team", "Value": "ocr"}]}}
    )
    tagged = call(emu, "GET", f"buckets/{emu.bucket}/metadata", params={"key": "m.txt"}).json()
    assert tagged["tags"] == [{"key": "team", "value": "ocr"}]
    assert int(info["crc64"]) > 2**53 or info["crc64"].isdigit()
    missing = call(emu, "GET", f"buckets/{emu.bucket}/metadata", params={"key": "gone"})
    assert (missing.status_code, missing.json()["error"]) == (404, "NoSuchKey")


def test_render_gives_the_ocr_frame(emu: RunningEmulator) -> None:
    client = emu.client()
    client.put_object(Bucket=emu.bucket, Key="r.pdf", Body=(FIXTURES / "report.pdf").read_bytes())
    client.put_object(Bucket=emu.bucket, Key="bad.png", Body=(FIXTURES / "corrupt.png").read_bytes())
    response = call(emu, "GET", f"buckets/{emu.bucket}/render", params={"key": "r.pdf", "page": 2})
    assert response.headers["content-type"] == "image/png" and int(response.headers["x-pdf-page-size"]) >= 2
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (int(response.headers["x-image-width"]), int(response.headers["x-image-height"]))
    raster = convert_from_bytes(
        (FIXTURES / "report.pdf").read_bytes(), dpi=emu.settings.ocr_pdf_dpi, first_page=2, last_page=2
    )
    assert image.size == raster[0].size
    bad = call(emu, "GET", f"buckets/{emu.bucket}/render", params={"key": "bad.png"})
    assert bad.status_code == 400 and bad.json()["error"] in {"InvalidContent", "InvalidImageSource"}
    beyond = call(emu, "GET", f"buckets/{emu.bucket}/render", params={"key": "r.pdf", "page": 99})
    assert beyond.status_code == 400


def test_render_respects_the_ocr_size_limit() -> None:
    with running_emulator(ocr_max_image_bytes=100) as emu:
        emu.client().put_object(Bucket=emu.bucket, Key="big.png", Body=(FIXTURES / "scan_en.png").read_bytes())
        response = call(emu, "GET", f"buckets/{emu.bucket}/render", params={"key": "big.png"})
        assert (response.status_code, response.json()["error"]) == (400, "ImageTooLarge")


def test_settings_are_masked() -> None:
    with running_emulator(admin_token="tok-123") as emu:
        headers = {"Authorization": "Bearer tok-123"}
        settings = call(emu, "GET", "settings", headers=headers).json()["settings"]
        text = str(settings)
        assert emu.secret_key not in text and "tok-123" not in text
        assert settings["keys"][0]["secret_id"] == emu.secret_id and settings["admin_token"] == "********"
        assert settings["region"] == emu.region


def test_every_console_route_needs_the_token() -> None:
    with running_emulator(admin_token="tok-456") as emu:
        for method, path in [
            ("GET", "buckets"), ("PUT", f"buckets/x-{emu.settings.appid}"), ("DELETE", f"buckets/{emu.bucket}"),
            ("GET", f"buckets/{emu.bucket}/objects"), ("GET", f"buckets/{emu.bucket}/metadata?key=k"),
            ("GET", f"buckets/{emu.bucket}/render?key=k"), ("POST", "presign"), ("GET", "settings"),
            ("DELETE", "ocr-results/entry?key=k"),
        ]:  # fmt: skip
            assert call(emu, method, path).status_code == 401, path
        session = call(emu, "GET", "ui/session", headers={"Authorization": "Bearer nope"}).json()
        assert session == {"token_required": True, "authorized": False}
        session = call(emu, "GET", "ui/session", headers={"Authorization": "Bearer tok-456"}).json()
        assert session == {"token_required": True, "authorized": True}


def test_remove_one_canned_result(emu: RunningEmulator) -> None:
    emu.canned_ocr({"lines": []}, key="a.png", bucket=emu.bucket)
    emu.canned_ocr({"lines": []}, sha256="AB" * 32)
    emu.canned_ocr({"lines": []}, detect_url="http://example.com/x.png")
    assert call(emu, "DELETE", "ocr-results/entry", params={"bucket": emu.bucket, "key": "a.png"}).json() == {
        "cleared": 1
    }
    assert call(emu, "DELETE", "ocr-results/entry", params={"sha256": "ab" * 32}).json() == {"cleared": 1}
    assert (
        call(emu, "DELETE", "ocr-results/entry", params={"detect_url": "http://example.com/x.png"}).status_code == 200
    )
    gone = call(emu, "DELETE", "ocr-results/entry", params={"key": "a.png"})
    assert (gone.status_code, gone.json()["error"]) == (404, "ResourceNotFound")
    assert call(emu, "DELETE", "ocr-results/entry").status_code == 404
