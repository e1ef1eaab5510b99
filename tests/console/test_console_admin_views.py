"""Journal, Faults (and canned OCR), Health, the token guard, deep links and keyboard use, in Chromium."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import DESKTOP, FIXTURES, NARROW, Problems, navigate, open_view
from playwright.sync_api import Browser, Page, expect
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

TABS = ["Buckets", "OCR", "Journal", "Faults", "Health"]


def test_journal_shows_an_sdk_request_live(clean_page: Page, emu: RunningEmulator) -> None:
    page = open_view(clean_page, emu, "journal")
    expect(page.get_by_text("No requests match.")).to_be_visible()
    emu.client().put_object(Bucket=emu.bucket, Key="journal/probe.txt", Body=b"seen")
    row = page.locator("tr[data-operation='PutObject']", has_text="/journal/probe.txt")
    expect(row).to_be_visible()  # arrives by polling, without a reload
    expect(row).to_contain_text("200")
    expect(row).to_contain_text("signed")
    expect(row).to_contain_text(emu.secret_id)


def test_journal_failed_signature_shows_string_to_sign(clean_page: Page, emu: RunningEmulator) -> None:
    with pytest.raises(CosServiceError):
        emu.client(SecretKey="not-the-key").get_object(Bucket=emu.bucket, Key="secret.txt")
    entry = emu.requests(status=403)[-1]
    assert entry["string_to_sign"]
    page = open_view(clean_page, emu, "journal?status=403")
    expect(page.get_by_label("status", exact=True)).to_have_value("403")
    row = page.locator("tr.failed", has_text="/secret.txt")
    expect(row).to_contain_text("SignatureDoesNotMatch")
    row.get_by_text("StringToSign the emulator expected").click()
    expect(row.locator("pre")).to_have_text(entry["string_to_sign"])
    # Live polling redraws the table when a new request arrives; what was unfolded stays unfolded.
    page.get_by_label("status", exact=True).fill("")
    page.get_by_role("button", name="Filter", exact=True).click()
    emu.client().put_object(Bucket=emu.bucket, Key="after.txt", Body=b"x")
    expect(page.locator("tr", has_text="/after.txt")).to_be_visible()
    expect(page.locator("tr.failed", has_text="/secret.txt").locator("pre")).to_be_visible()


def test_journal_filters(clean_page: Page, emu: RunningEmulator) -> None:
    client = emu.client()
    client.put_object(Bucket=emu.bucket, Key="a.txt", Body=b"a")
    client.get_object(Bucket=emu.bucket, Key="a.txt")["Body"].get_raw_stream().read()
    page = open_view(clean_page, emu, "journal")
    page.get_by_label("operation").fill("GetObject")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("GetObject")
    assert "operation=GetObject" in page.url
    page.get_by_role("button", name="Clear journal").click()
    page.get_by_role("dialog").get_by_role("button", name="Clear").click()
    expect(page.get_by_text("No requests match.")).to_be_visible()
    assert emu.requests() == []


def test_fault_added_in_page_fails_the_next_sdk_call(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="f.txt", Body=b"fine")
    page = open_view(clean_page, emu, "faults")
    form = page.get_by_role("form", name="Add fault rule")
    form.get_by_label("Operation").select_option("GetObject")
    form.get_by_label("Status").fill("503")
    form.get_by_label("Code").fill("SlowDown")
    form.get_by_label("Times").fill("1")
    form.get_by_role("button", name="Add fault").click()
    row = page.locator("table.faults tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("op=GetObject")

    with pytest.raises(CosServiceError) as failure:
        emu.client().get_object(Bucket=emu.bucket, Key="f.txt")
    assert (failure.value.get_status_code(), failure.value.get_error_code()) == (503, "SlowDown")
    body = emu.client().get_object(Bucket=emu.bucket, Key="f.txt")["Body"].get_raw_stream().read()
    assert body == b"fine"  # times=1: only the next call


def test_fault_removed_in_page_stops_failing(clean_page: Page, emu: RunningEmulator) -> None:
    emu.inject_fault(operation="HeadObject", status=500, code="InternalError")
    page = open_view(clean_page, emu, "faults")
    expect(page.locator("table.faults tbody tr")).to_contain_text("0 / ∞")
    page.get_by_role("button", name=re.compile(r"^Remove fault \d+$")).click()
    expect(page.get_by_text("No fault rules.")).to_be_visible()
    assert emu.state.faults.list() == []


def test_canned_ocr_added_and_removed_in_page(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="c.png", Body=(FIXTURES / "line.gif").read_bytes())
    page = open_view(clean_page, emu, "faults")
    form = page.get_by_role("form", name="Add canned OCR result")
    form.get_by_label("Key / SHA-256 / URL").fill("c.png")
    form.get_by_role("button", name="Add canned result").click()
    expect(page.locator("table.canned tbody tr")).to_contain_text("Hello")
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key="c.png")
    assert result["TextDetections"]["DetectedText"] == "Hello"

    page.get_by_role("button", name=re.compile("^Remove canned result")).click()
    expect(page.get_by_text("No canned OCR results.")).to_be_visible()
    assert emu.state.canned.list() == []


def test_health_shows_engine_languages_and_masked_settings(clean_page: Page, emu: RunningEmulator) -> None:
    page = open_view(clean_page, emu, "health")
    expect(page.locator("[data-health]")).to_have_text("healthy")
    languages = page.get_by_role("region", name="OCR engine").locator("ul.chips li")
    expect(languages.filter(has_text=re.compile("^eng$"))).to_have_count(1)
    settings = page.get_by_role("region", name="Settings")
    expect(settings).to_contain_text(emu.secret_id)
    expect(settings).to_contain_text("********")
    assert emu.secret_key not in page.content()


def test_no_console_errors_on_any_view_wide_and_narrow(browser: Browser, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="dir/scan_en.png", Body=(FIXTURES / "scan_en.png").read_bytes())
    emu.inject_fault(key="never/*")
    emu.canned_ocr({"lines": []}, key="nothing.png")
    views = [
        "buckets", f"objects?bucket={emu.bucket}", f"objects?bucket={emu.bucket}&prefix=dir/",
        f"ocr?bucket={emu.bucket}&key=dir/scan_en.png&type=general&isword=true", "journal", "faults", "health",
    ]  # fmt: skip
    for viewport in (DESKTOP, NARROW):
        problems = Problems()
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        problems.watch(page)
        for view in views:
            open_view(page, emu, view)
            if view.startswith("ocr"):
                page.wait_for_selector(".ocr-result[data-state=done]", timeout=120_000)
            # Nothing wider than the window: usable without sideways scrolling of the page itself.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], view
        context.close()
        assert problems.messages == [], f"{viewport}: " + "\n".join(problems.messages)


def test_tabs_deep_links_and_keyboard(clean_page: Page, emu: RunningEmulator) -> None:
    page = open_view(clean_page, emu, "buckets")
    nav = page.get_by_role("navigation", name="Views")
    assert nav.get_by_role("link").all_inner_texts() == TABS
    for name in TABS:
        navigate(page, nav.get_by_role("link", name=name, exact=True).click)
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        link = page.url
        page.reload()
        page.wait_for_selector("#view[data-rendered]")
        assert page.url == link
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    # Keyboard: Tab reaches the tabs in order and Enter follows one.
    page.keyboard.press("Tab")  # skip link
    reached = []
    for _ in range(7):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert [text for text in reached if text in TABS] == TABS
    page.get_by_role("link", name="Journal", exact=True).focus()
    navigate(page, lambda: page.keyboard.press("Enter"))
    assert page.url.endswith("#/journal")


def test_favicon_and_assets(emu: RunningEmulator) -> None:
    icon = httpx.get(f"{emu.endpoint}/_emulator/ui/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert httpx.get(f"{emu.endpoint}/_emulator/ui/app.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{emu.endpoint}/_emulator/ui", follow_redirects=False).headers["location"] == "/_emulator/ui/"
    for bad in ("nope.js", "../__init__.py", "..%2F__init__.py", ".hidden.js", "api.py"):
        response = httpx.get(f"{emu.endpoint}/_emulator/ui/{bad}")
        assert response.status_code == 404, bad
        assert "console_router" not in response.text and "def " not in response.text


def test_token_guard(browser: Browser) -> None:
    with running_emulator(admin_token="s3cret-token") as emu:
        assert httpx.get(f"{emu.endpoint}/_emulator/buckets").status_code == 401
        assert httpx.get(f"{emu.endpoint}/_emulator/health").status_code == 200
        assert httpx.get(f"{emu.endpoint}/_emulator/ui/").status_code == 200
        problems = Problems()
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        problems.watch(page)
        page.goto(f"{emu.endpoint}/_emulator/ui/#/buckets")
        dialog = page.get_by_role("dialog", name="Admin token")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Token").fill("wrong")
        dialog.get_by_role("button", name="Unlock").click()
        expect(dialog.get_by_role("alert")).to_have_text("That token is not accepted.")
        dialog.get_by_label("Token").fill("s3cret-token")
        dialog.get_by_role("button", name="Unlock").click()
        expect(page.locator(f"tr[data-bucket='{emu.bucket}']")).to_be_visible()
        page.reload()  # kept for the tab: no second prompt
        expect(page.locator(f"tr[data-bucket='{emu.bucket}']")).to_be_visible()
        expect(dialog).to_be_hidden()
        context.close()
        assert problems.messages == []
