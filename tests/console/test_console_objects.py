"""The console's Buckets and Objects views in a real Chromium, checked against the Python SDK."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import FIXTURES, navigate, open_view
from playwright.sync_api import Page, expect

from cos_ocr_emulator.testing import RunningEmulator


def sdk_keys(emu: RunningEmulator, bucket: str | None = None, prefix: str = "") -> list[str]:
    listing = emu.client().list_objects(Bucket=bucket or emu.bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_buckets_listed_with_counts_and_sizes(clean_page: Page, emu: RunningEmulator) -> None:
    client = emu.client()
    other = f"photos-{emu.settings.appid}"
    client.create_bucket(Bucket=other)
    client.put_object(Bucket=other, Key="a.bin", Body=b"x" * 2048)
    client.put_object(Bucket=other, Key="dir/b.bin", Body=b"y" * 1024)
    page = open_view(clean_page, emu, "buckets")
    rows = page.locator("table.buckets tbody tr")
    expect(rows).to_have_count(2)
    row = page.locator(f"tr[data-bucket='{other}']")
    expect(row.locator("td[data-objects]")).to_have_text("2")
    expect(row).to_contain_text("3.00 KiB")
    expect(page.locator(f"tr[data-bucket='{emu.bucket}']")).to_contain_text("default")
    row.get_by_role("link", name=other).click()
    expect(page).to_have_url(re.compile(rf"#/objects\?bucket={other}$"))
    expect(page.get_by_role("link", name="dir/")).to_be_visible()


def test_create_and_delete_bucket_with_confirmation(clean_page: Page, emu: RunningEmulator) -> None:
    page = open_view(clean_page, emu, "buckets")
    form = page.get_by_role("form", name="Create bucket")
    form.get_by_label("Name").fill("made-in-page")  # the APPID suffix is added
    form.get_by_role("button", name="Create bucket").click()
    name = f"made-in-page-{emu.settings.appid}"
    expect(page.locator(f"tr[data-bucket='{name}']")).to_be_visible()
    emu.client().head_bucket(Bucket=name)
    emu.client().put_object(Bucket=name, Key="k", Body=b"1")

    page.get_by_role("button", name=f"Delete bucket {name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("holds 1 object")
    dialog.get_by_role("button", name="Cancel").click()
    assert name in {b.name for b in emu.state.store.list_buckets()}
    page.get_by_role("button", name=f"Delete bucket {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(f"tr[data-bucket='{name}']")).to_have_count(0)
    assert name not in {b.name for b in emu.state.store.list_buckets()}


def test_invalid_bucket_name_is_a_message_not_a_bucket(page: Page, emu: RunningEmulator) -> None:
    page = open_view(page, emu, "buckets")
    form = page.get_by_role("form", name="Create bucket")
    form.get_by_label("Name").fill("Bad_Name")
    form.locator("input[name=name]").evaluate("el => el.removeAttribute('pattern')")
    form.get_by_role("button", name="Create bucket").click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid bucket name")
    assert len(emu.state.store.list_buckets()) == 1


def test_upload_through_page_appears_in_sdk_listing(clean_page: Page, emu: RunningEmulator, tmp_path: Path) -> None:
    first, second = tmp_path / "hello.txt", tmp_path / "scan_en.png"
    first.write_bytes(b"hello from the browser\n")
    second.write_bytes((FIXTURES / "scan_en.png").read_bytes())
    page = open_view(clean_page, emu, f"objects?bucket={emu.bucket}&prefix=inbox/")
    page.locator("#upload-input").set_input_files([first, second])
    expect(page.locator("tr[data-key='inbox/scan_en.png']")).to_be_visible()
    expect(page.locator("tr[data-key='inbox/hello.txt']")).to_be_visible()
    assert sorted(sdk_keys(emu)) == ["inbox/hello.txt", "inbox/scan_en.png"]
    body = emu.client().get_object(Bucket=emu.bucket, Key="inbox/scan_en.png")["Body"].get_raw_stream().read()
    assert body == second.read_bytes()
    head = emu.client().head_object(Bucket=emu.bucket, Key="inbox/hello.txt")
    assert head["Content-Type"] == "text/plain"


def test_drag_and_drop_several_files(clean_page: Page, emu: RunningEmulator) -> None:
    page = open_view(clean_page, emu, f"objects?bucket={emu.bucket}")
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(['one'], 'one.txt', { type: 'text/plain' }));
            data.items.add(new File(['two!'], 'two.txt', { type: 'text/plain' }));
            const zone = document.querySelector('.dropzone');
            zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        }"""
    )
    expect(page.locator("tr[data-key='two.txt']")).to_be_visible()
    assert sorted(sdk_keys(emu)) == ["one.txt", "two.txt"]
    assert emu.client().get_object(Bucket=emu.bucket, Key="two.txt")["Body"].get_raw_stream().read() == b"two!"


def test_folders_open_by_clicking_and_paging(clean_page: Page, emu: RunningEmulator) -> None:
    client = emu.client()
    for i in range(5):
        client.put_object(Bucket=emu.bucket, Key=f"docs/page-{i}.txt", Body=b"p")
    client.put_object(Bucket=emu.bucket, Key="docs/deeper/x.txt", Body=b"x")
    client.put_object(Bucket=emu.bucket, Key="top.txt", Body=b"t")
    page = open_view(clean_page, emu, f"objects?bucket={emu.bucket}")
    expect(page.locator("tr[data-key='top.txt']")).to_be_visible()
    page.get_by_role("link", name="docs/", exact=True).click()
    expect(page.get_by_role("link", name="deeper/")).to_be_visible()
    expect(page.locator("tbody tr[data-key]")).to_have_count(5)

    page = open_view(page, emu, f"objects?bucket={emu.bucket}&prefix=docs/&size=2")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        seen += page.locator("tbody tr[data-key]").evaluate_all("rows => rows.map(r => r.dataset.key)")
        seen += [f"docs/{name}" for name in page.locator("a.folder-link").all_inner_texts()]
        if page.get_by_role("button", name="Next →").is_disabled():
            break
        navigate(page, page.get_by_role("button", name="Next →").click)
    assert pages == 3  # 5 keys and one folder, two per page
    assert sorted(seen) == ["docs/deeper/", *[f"docs/page-{i}.txt" for i in range(5)]]
    navigate(page, page.get_by_role("button", name="← Previous").click)
    expect(page.locator("tbody tr[data-key]").first).to_have_attribute("data-key", "docs/page-1.txt")


def test_metadata_download_and_delete(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(
        Bucket=emu.bucket, Key="m/report.txt", Body=b"quarterly numbers",
        ContentType="text/plain", Metadata={"x-cos-meta-owner": "qa-team"},
    )  # fmt: skip
    page = open_view(clean_page, emu, f"objects?bucket={emu.bucket}&prefix=m/")
    page.get_by_role("button", name="report.txt", exact=True).click()
    meta = page.get_by_role("complementary", name="Object metadata")
    expect(meta).to_contain_text("x-cos-meta-owner")
    expect(meta).to_contain_text("qa-team")
    expect(meta).to_contain_text(hashlib.md5(b"quarterly numbers").hexdigest())
    expect(meta).to_contain_text("text/plain")
    expect(meta).to_contain_text("Tags")
    emu.client().put_object_tagging(
        Bucket=emu.bucket, Key="m/report.txt", Tagging={"TagSet": {"Tag": [{"Key": "stage", "Value": "final"}]}}
    )
    page.get_by_role("button", name="report.txt", exact=True).click()
    expect(meta.locator(".tag")).to_have_text("stage=final")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download m/report.txt").click()
    assert download.value.suggested_filename == "report.txt"
    assert Path(download.value.path()).read_bytes() == b"quarterly numbers"

    page.get_by_role("button", name="Delete m/report.txt").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("tr[data-key='m/report.txt']")).to_have_count(0)
    assert sdk_keys(emu) == []
