from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr import image as imaging
from fixtures.manifest import Fixture

SETTINGS = Settings()
LINE_FORMATS = ["line.bmp", "line.gif", "line.tif", "line.webp", "alpha.png", "cmyk.jpg", "exif6.jpg"]


def load(data: bytes, settings: Settings = SETTINGS, *, ispdf: bool = False, page: int = 1) -> imaging.Loaded:
    return imaging.load(data, settings, ispdf=ispdf, page=page)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def code_of(data: bytes, settings: Settings = SETTINGS, **kwargs: object) -> str:
    with pytest.raises(CosError) as info:
        load(data, settings, **kwargs)  # type: ignore[arg-type]
    return info.value.code


@pytest.mark.parametrize("name", LINE_FORMATS)
def test_every_format_decodes_to_the_same_upright_rgb_page(name: str, manifest: dict[str, Fixture]) -> None:
    reference = np.asarray(load(manifest["line.bmp"].data()).image.convert("L"), dtype=np.int16)
    loaded = load(manifest[name].data())
    assert loaded.image.mode == "RGB"
    assert loaded.image.size == (620, 150)
    assert loaded.pdf_page_size == 0
    diff = np.abs(np.asarray(loaded.image.convert("L"), dtype=np.int16) - reference)
    assert diff.mean() < 6, name  # same picture (lossy formats differ a little)


def test_exif_orientation_is_applied(manifest: dict[str, Fixture]) -> None:
    with Image.open(manifest["exif6.jpg"].path) as raw:
        assert raw.size == (150, 620)  # stored sideways
    assert load(manifest["exif6.jpg"].data()).image.size == (620, 150)  # reported as displayed


def test_alpha_is_flattened_on_white(manifest: dict[str, Fixture]) -> None:
    page = load(manifest["alpha.png"].data()).image
    assert page.getpixel((2, 2)) == (255, 255, 255)
    assert np.asarray(page.convert("L")).min() < 50  # the ink survived


def test_palette_transparency_and_16_bit() -> None:
    palette = Image.new("P", (20, 10), 0)
    palette.info["transparency"] = 0
    assert load(encode(palette, "PNG", transparency=0)).image.getpixel((1, 1)) == (255, 255, 255)
    deep = Image.fromarray(np.full((10, 20), 40000, dtype=np.uint16))
    assert load(encode(deep, "PNG")).image.mode == "RGB"


def test_gif_first_frame_and_tiff_first_page(manifest: dict[str, Fixture]) -> None:
    for name in ("line.gif", "line.tif"):
        with Image.open(manifest[name].path) as multi:
            assert getattr(multi, "n_frames", 1) == 2
        top_left_ink = np.asarray(load(manifest[name].data()).image.convert("L"))[20:50, 20:60]
        assert top_left_ink.min() < 100  # frame 1 starts with "Formats"; frame 2 starts elsewhere


def test_pdf_page(manifest: dict[str, Fixture]) -> None:
    loaded = load(manifest["report.pdf"].data(), ispdf=True, page=3)
    assert loaded.pdf_page_size == 3
    assert loaded.image.size == (1700, 2200)  # US letter at ocr_pdf_dpi=200


def test_pdf_dpi_follows_settings_and_pixel_limit(manifest: dict[str, Fixture]) -> None:
    low = load(manifest["report.pdf"].data(), Settings(ocr_pdf_dpi=72), ispdf=True)
    assert low.image.size == (612, 792)
    capped = load(manifest["report.pdf"].data(), Settings(ocr_max_pixels=1_000_000), ispdf=True)
    assert capped.image.width * capped.image.height <= 1_000_000


def test_pdf_needs_ispdf(manifest: dict[str, Fixture]) -> None:
    assert code_of(manifest["report.pdf"].data()) == "InvalidArgument"


@pytest.mark.parametrize("page", [4, 99])
def test_pdf_page_out_of_range(page: int, manifest: dict[str, Fixture]) -> None:
    with pytest.raises(CosError) as info:
        load(manifest["report.pdf"].data(), ispdf=True, page=page)
    assert info.value.code == "InvalidArgument" and "pdf-pagenumber" in info.value.message


def test_pdf_page_limit(manifest: dict[str, Fixture]) -> None:
    assert code_of(manifest["report.pdf"].data(), Settings(ocr_max_pdf_pages=2), ispdf=True) == "ImageTooLarge"


@pytest.mark.parametrize("name", ["encrypted.pdf", "corrupt.pdf"])
def test_unreadable_pdfs(name: str, manifest: dict[str, Fixture]) -> None:
    with pytest.raises(CosError) as info:
        load(manifest[name].data(), ispdf=True)
    assert info.value.code == "InvalidContent"
    assert info.value.__cause__ is not None  # translated at the boundary, chained
    if name == "encrypted.pdf":
        assert "encrypted" in info.value.message


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, b"GIF89a", b"BM" + b"\xff" * 60],
)
def test_garbage_is_invalid_content(data: bytes) -> None:
    assert code_of(data) == "InvalidContent"


def test_truncated_png(manifest: dict[str, Fixture]) -> None:
    assert code_of(manifest["corrupt.png"].data()) == "InvalidContent"


def test_unsupported_format_is_invalid_content() -> None:
    assert code_of(encode(Image.new("RGB", (8, 8)), "PPM")) == "InvalidContent"
    assert code_of(encode(Image.new("RGB", (16, 16)), "ICO")) == "InvalidContent"


def test_byte_limit() -> None:
    data = encode(Image.new("L", (64, 64), 255), "PNG")
    assert code_of(data, Settings(ocr_max_image_bytes=len(data) - 1)) == "ImageTooLarge"
    assert load(data, Settings(ocr_max_image_bytes=len(data))).image.size == (64, 64)


def test_pixel_limit_is_checked_before_decoding() -> None:
    data = encode(Image.new("L", (400, 300), 255), "PNG")
    assert code_of(data, Settings(ocr_max_pixels=119_999)) == "ImageTooLarge"
    assert load(data, Settings(ocr_max_pixels=120_000)).image.size == (400, 300)


def test_decompression_bomb_is_image_too_large() -> None:
    bomb = encode(Image.new("1", (20000, 20000), 1), "PNG")  # ~50 KB on disk, 400 Mpx decoded
    assert code_of(bomb, Settings(ocr_max_pixels=10**12)) == "ImageTooLarge"


def test_is_pdf_allows_leading_junk() -> None:
    assert imaging.is_pdf(b"junk\n%PDF-1.7")
    assert not imaging.is_pdf(b"\x89PNG")


def test_line_height_and_scaling(manifest: dict[str, Fixture]) -> None:
    page = load(manifest["scan_en.png"].data()).image.convert("L")
    height = imaging.line_height(page)
    assert height is not None and 20 <= height <= 40
    assert imaging.line_height(Image.new("L", (50, 50), 255)) is None
    assert imaging.downscale_factor(page, 500) == pytest.approx(0.5)
    assert imaging.resize(page, 0.5).size == (500, 380)
    assert imaging.resize(page, 1.0) is page


def test_clean_handwriting_binarizes_and_removes_rules(manifest: dict[str, Fixture]) -> None:
    page = load(manifest["handwriting.jpg"].data()).image
    clean = imaging.clean_handwriting(page)
    pixels = np.asarray(clean)
    assert clean.mode == "L" and set(np.unique(pixels)) <= {0, 255}
    assert clean.size == page.size
    # The blue rules at y = 78, 158, 238 are gone: no row is mostly ink.
    assert (pixels < 128).mean(axis=1).max() < 0.3
