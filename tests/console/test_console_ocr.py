"""The OCR view draws the real response: as many line polygons as the SDK sees TextDetections, with
the very same four points, over a picture whose pixel grid is the one the coordinates refer to."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from conftest import FIXTURES, NARROW, navigate, open_view
from pdf2image import convert_from_bytes
from PIL import Image, ImageOps
from playwright.sync_api import Page, expect

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk
HOT = re.compile(r"\bhot\b")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def sdk_polygons(detections: list[dict[str, Any]]) -> list[str]:
    return [" ".join(f"{p['X']},{p['Y']}" for p in as_list(d["Polygon"])) for d in detections]


def drawn(page: Page, kind: str) -> list[str]:
    points: list[str] = page.locator(f"svg.overlay polygon[data-kind='{kind}']").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('points'))"
    )
    return points


def wait_for_ocr(page: Page) -> None:
    page.wait_for_selector(".ocr-result[data-state=done]", timeout=120_000)


def test_line_polygons_are_the_sdk_polygons(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="scans/scan_en.png", Body=(FIXTURES / "scan_en.png").read_bytes())
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key="scans/scan_en.png", Type="general")
    detections = as_list(result["TextDetections"])
    assert len(detections) >= 10

    page = open_view(clean_page, emu, f"ocr?bucket={emu.bucket}&key=scans/scan_en.png&type=general")
    wait_for_ocr(page)
    assert drawn(page, "line") == sdk_polygons(detections)
    width, height = Image.open(FIXTURES / "scan_en.png").size
    expect(page.locator("svg.overlay")).to_have_attribute("viewBox", f"0 0 {width} {height}")
    image = page.locator("img.frame")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [width, height]
    # The overlay covers the picture exactly, so a viewBox pixel is a picture pixel.
    assert page.locator("svg.overlay").bounding_box() == image.bounding_box()

    expect(page.locator("dd[data-fact='Angel']")).to_have_text(result["Angel"])
    expect(page.locator("dd[data-fact='Lines']")).to_have_text(str(len(detections)))
    expect(page.locator("dd[data-fact='Request time']")).to_have_text(re.compile(r"^\d+ ms$"))
    items = page.get_by_role("region", name="Recognized lines").locator("li")
    expect(items).to_have_count(len(detections))
    expect(items.first).to_contain_text(detections[0]["DetectedText"])
    expect(items.first).to_contain_text(detections[0]["Confidence"])

    # Hover links the two ways.
    items.nth(2).hover()
    expect(page.locator("polygon[data-kind='line'][data-index='2']")).to_have_class(HOT)
    page.locator("polygon[data-kind='line'][data-index='4']").hover(force=True)
    expect(items.nth(4)).to_have_class(HOT)
    expect(items.nth(2)).not_to_have_class(HOT)

    # ItemPolygon layer: hidden until toggled.
    item_layer = page.locator("g.layer-item")
    expect(item_layer).to_be_hidden()
    page.get_by_label("ItemPolygon").check()
    expect(page.locator("polygon[data-kind='item']")).to_have_count(len(detections))
    expect(item_layer).to_be_visible()

    page.get_by_role("tab", name="Raw XML").click()
    raw = page.locator("#panel-xml pre")
    expect(raw).to_be_visible()
    expect(raw).to_contain_text("<TextDetections>")
    expect(raw).to_contain_text(f"<DetectedText>{detections[0]['DetectedText']}</DetectedText>")


def test_isword_draws_every_word(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="zh.png", Body=(FIXTURES / "zh.png").read_bytes())
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key="zh.png", Type="general", Isword=True)
    detections = as_list(result["TextDetections"])
    words = [w for d in detections for w in as_list(d.get("Words"))]
    assert words

    page = open_view(clean_page, emu, f"ocr?bucket={emu.bucket}&key=zh.png&type=general&isword=true")
    wait_for_ocr(page)
    assert drawn(page, "line") == sdk_polygons(detections)
    expected = [" ".join(f"{c['X']},{c['Y']}" for c in as_list(w["WordCoordPoint"]["WordCoordinate"])) for w in words]
    assert drawn(page, "word") == expected
    word = page.locator("polygon[data-kind='word']").last
    word.hover(force=True)  # a word lights up its line in the list
    line = word.get_attribute("data-line")
    expect(page.locator(f".lines li[data-index='{line}']")).to_have_class(HOT)
    page.get_by_label("Words").uncheck()
    expect(page.locator("g.layer-word")).to_be_hidden()


def test_pdf_page_is_shown_in_the_ocr_pixel_grid(clean_page: Page, emu: RunningEmulator) -> None:
    data = (FIXTURES / "report.pdf").read_bytes()
    emu.client().put_object(Bucket=emu.bucket, Key="report.pdf", Body=data)
    result = emu.client().ci_ocr_process(
        Bucket=emu.bucket, Key="report.pdf", Type="general", Ispdf=True, PdfPagenumber=2
    )
    detections = as_list(result["TextDetections"])
    assert detections

    page = open_view(clean_page, emu, f"ocr?bucket={emu.bucket}&key=report.pdf&type=general&page=2")
    wait_for_ocr(page)
    assert drawn(page, "line") == sdk_polygons(detections)
    expect(page.locator("dd[data-fact='PdfPageSize']")).to_have_text(result["PdfPageSize"])
    page.get_by_role("tab", name="SDK call").click()
    expect(page.get_by_role("tabpanel")).to_contain_text('Key="report.pdf"')
    expect(page.get_by_role("tabpanel")).to_contain_text("Ispdf=True,\n    PdfPagenumber=2,")
    raster = convert_from_bytes(data, dpi=emu.settings.ocr_pdf_dpi, first_page=2, last_page=2)[0]
    expect(page.locator("svg.overlay")).to_have_attribute("viewBox", f"0 0 {raster.width} {raster.height}")


def test_exif_rotated_jpeg_is_drawn_as_displayed(clean_page: Page, emu: RunningEmulator) -> None:
    data = (FIXTURES / "exif6.jpg").read_bytes()
    emu.client().put_object(Bucket=emu.bucket, Key="exif6.jpg", Body=data)
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key="exif6.jpg", Type="general")
    page = open_view(clean_page, emu, f"ocr?bucket={emu.bucket}&key=exif6.jpg")
    wait_for_ocr(page)
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    expect(page.locator("svg.overlay")).to_have_attribute("viewBox", f"0 0 {shown.width} {shown.height}")
    assert drawn(page, "line") == sdk_polygons(as_list(result["TextDetections"]))


def test_ocr_error_shows_the_cos_error(page: Page, emu: RunningEmulator) -> None:
    page = open_view(page, emu, f"ocr?bucket={emu.bucket}&key=missing.png")
    wait_for_ocr(page)
    expect(page.get_by_role("alert").first).to_contain_text("NoSuchKey")
    expect(page.locator("dd[data-fact='HTTP']")).to_have_text("404")


def test_form_runs_ocr_and_updates_the_deep_link(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="line.webp", Body=(FIXTURES / "line.webp").read_bytes())
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key="line.webp", Type="fast")
    page = open_view(clean_page, emu, "ocr")
    page.get_by_label("Key").fill("line.webp")
    page.get_by_label("type", exact=True).select_option("fast")
    expect(page.get_by_label("language-type")).to_be_disabled()
    page.get_by_role("button", name="Run OCR").click()
    wait_for_ocr(page)
    assert "#/ocr?bucket=" in page.url and "key=line.webp" in page.url and "type=fast" in page.url
    assert drawn(page, "line") == sdk_polygons(as_list(result["TextDetections"]))


def test_objects_view_opens_ocr(clean_page: Page, emu: RunningEmulator) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="scan_en.png", Body=(FIXTURES / "scan_en.png").read_bytes())
    clean_page.set_viewport_size(NARROW)
    page = open_view(clean_page, emu, f"objects?bucket={emu.bucket}")
    navigate(page, page.get_by_role("link", name="OCR scan_en.png").click)
    wait_for_ocr(page)
    assert len(drawn(page, "line")) >= 10
    expect(page.get_by_role("link", name="OCR", exact=True)).to_have_attribute("aria-current", "page")
    # The page's OCR call is an ordinary presigned COS request in the journal.
    navigate(page, page.get_by_role("link", name="Journal", exact=True).click)
    row = page.locator("tr[data-operation='OCR']")
    expect(row).to_contain_text("/scan_en.png?ci-process=OCR&type=general")
    expect(row).to_contain_text("presigned")
    expect(row).not_to_contain_text("q-signature")


def test_sdk_call_tab_runs_as_written(
    clean_page: Page, emu: RunningEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.client().put_object(Bucket=emu.bucket, Key="line.gif", Body=(FIXTURES / "line.gif").read_bytes())
    page = open_view(clean_page, emu, f"ocr?bucket={emu.bucket}&key=line.gif&type=accurate&isword=true")
    wait_for_ocr(page)
    page.get_by_role("tab", name="SDK call").click()
    code = page.locator("#panel-sdk pre").text_content() or ""
    exec(code, {"client": emu.client()})  # the snippet the page shows, verbatim, through the real SDK
    printed = ["[" + line.rsplit(" [", 1)[1] for line in capsys.readouterr().out.splitlines()]
    expected = [
        "[" + ", ".join(f"('{x}', '{y}')" for x, y in (pair.split(",") for pair in points.split())) + "]"
        for points in drawn(page, "line")
    ]
    assert printed == expected and len(printed) == 2
