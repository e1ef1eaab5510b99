"""Bytes -> one normalized PIL image (RGB, upright as displayed), and the per-type pixel filters.

Accepted: PNG, JPEG, BMP, GIF (first frame), TIFF (first page), WebP, and PDF (one page, rasterized
by poppler through pdf2image at `ocr_pdf_dpi`, only with ispdf=true). JPEG/TIFF/WebP EXIF orientation
is applied, so every coordinate the API returns is in the image *as displayed*, which is what a
client sees and draws on. Transparency is flattened so the visible pixels contrast with it: dark ink
onto white, light ink (a white logo on a transparent sticker, which would vanish on white) onto
black and then inverted, so Tesseract sees print either way. Limits come from Settings: bytes,
pixels (checked from the header, before
the pixels are decoded) and PDF pages.

Every failure of Pillow or poppler is translated into a catalogue error in one place,
`_decode_errors()`, chained with `from exc`; nothing else here catches foreign exceptions, except
`_out_of_time()`: poppler killed because the request's time ran out is the time limit's error.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

import numpy as np
from pdf2image import convert_from_bytes, pdfinfo_from_bytes
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFPopplerTimeoutError, PDFSyntaxError
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.ocr.engine.base import EngineTimeout

FORMATS = {"PNG", "JPEG", "MPO", "BMP", "DIB", "GIF", "TIFF", "WEBP"}
PDF_TIMEOUT = 120  # seconds for pdfinfo / pdftoppm on one request


@dataclass(frozen=True)
class Loaded:
    image: Image.Image  # RGB, EXIF-corrected, alpha flattened
    pdf_page_size: int  # total pages of a PDF, 0 for images


class _Limit(Exception):
    """Raised inside the boundary for our own limits; becomes ImageTooLarge."""


def is_pdf(data: bytes) -> bool:
    # The PDF spec allows up to 1024 bytes of junk before the header.
    return b"%PDF-" in data[:1024]


def load(data: bytes, settings: Settings, *, ispdf: bool, page: int, timeout: float | None = None) -> Loaded:
    """Decode `data` (an image, or page `page` of a PDF when `ispdf`) into one normalized image.

    `timeout`: seconds left for the request; poppler is killed when they run out (EngineTimeout)."""
    if len(data) > settings.ocr_max_image_bytes:
        raise CosError("ImageTooLarge", f"The file is {len(data)} bytes; the limit is {settings.ocr_max_image_bytes}.")
    if not data:
        raise CosError("InvalidContent", "The file is empty.")
    if is_pdf(data):
        if not ispdf:
            raise CosError("InvalidArgument", "The file is a PDF; set ispdf=true to recognize it.")
        return _load_pdf(data, settings, page, PDF_TIMEOUT if timeout is None else min(timeout, PDF_TIMEOUT))
    with _decode_errors():
        return Loaded(_load_image(data, settings.ocr_max_pixels), 0)


@contextmanager
def _decode_errors() -> Iterator[None]:
    """The one boundary where Pillow and poppler exceptions become catalogue errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except CosError:
        raise
    except (_Limit, Image.DecompressionBombError) as exc:
        raise CosError("ImageTooLarge", str(exc)) from exc
    except PDFInfoNotInstalledError as exc:  # a broken installation, not bad input
        raise CosError("InternalError", "poppler-utils (pdfinfo, pdftoppm) is not installed.") from exc
    except (PDFPageCountError, PDFSyntaxError) as exc:
        detail = " ".join(str(exc).split())
        reason = "it is encrypted" if "password" in detail.lower() else "it is damaged"
        raise CosError("InvalidContent", f"The PDF cannot be read: {reason} ({detail[:200]}).") from exc
    except PDFPopplerTimeoutError as exc:
        raise CosError("InvalidContent", "The PDF took too long to render.") from exc
    except UnidentifiedImageError as exc:
        raise CosError("InvalidContent", "The file is not an image in a supported format.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as exc:
        raise CosError("InvalidContent", f"The image cannot be decoded: {exc}.") from exc


def _load_image(data: bytes, max_pixels: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    if image.format not in FORMATS:
        raise CosError("InvalidContent", f"Image format {image.format} is not supported.")
    width, height = image.size
    if width * height > max_pixels:
        raise _Limit(f"The image is {width}x{height} pixels; the limit is {max_pixels} pixels.")
    image.seek(0)  # first frame of a GIF, first page of a TIFF
    image.load()
    upright = ImageOps.exif_transpose(image)
    return to_rgb(upright if upright is not None else image)


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB with any transparency flattened onto the background that contrasts with the ink."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        if _ink_luminance(rgba) > 140:  # light ink: on black it shows; inverted it reads as print
            black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
            return ImageOps.invert(Image.alpha_composite(black, rgba).convert("RGB"))
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / peak)).astype(np.uint8)).convert("RGB")
    if image.mode == "CMYK" and image.format == "JPEG":
        # Adobe writes inverted CMYK JPEGs; Pillow's conversion already accounts for that.
        return image.convert("RGB")
    return image.convert("RGB")


def _ink_luminance(rgba: Image.Image) -> float:
    """Alpha-weighted mean luminance of what is visible (0 when nothing is)."""
    pixels = np.asarray(rgba, dtype=np.float32)
    alpha = pixels[..., 3] / 255.0
    weight = float(alpha.sum())
    if weight == 0:
        return 0.0
    luminance = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    return float((luminance * alpha).sum()) / weight


def _load_pdf(data: bytes, settings: Settings, page: int, budget: float) -> Loaded:
    with _decode_errors(), _out_of_time(budget):
        deadline = time.monotonic() + budget
        info = pdfinfo_from_bytes(data, timeout=_left(deadline))
        pages = int(info.get("Pages", 0))
        if pages < 1:
            raise CosError("InvalidContent", "The PDF has no pages.")
        if pages > settings.ocr_max_pdf_pages:
            raise _Limit(f"The PDF has {pages} pages; the limit is {settings.ocr_max_pdf_pages}.")
        if page > pages:
            raise CosError("InvalidArgument", f"pdf-pagenumber {page} is out of range: the PDF has {pages} pages.")
        if page > 1:  # plain pdfinfo reports only the first page's size
            info = pdfinfo_from_bytes(data, first_page=page, last_page=page, timeout=_left(deadline))
        dpi = _pdf_dpi(info.get(f"Page {page:4d} size", info.get("Page size", "")), settings)
        images = convert_from_bytes(
            data, dpi=dpi, first_page=page, last_page=page, fmt="png", thread_count=1, timeout=_left(deadline)
        )
        if not images:
            raise CosError("InvalidContent", f"Page {page} of the PDF could not be rendered.")
        return Loaded(to_rgb(images[0]), pages)


@contextmanager
def _out_of_time(budget: float) -> Iterator[None]:
    """poppler killed because the request ran out of time: the time limit's error, not a bad PDF."""
    try:
        yield
    except PDFPopplerTimeoutError as exc:
        if budget < PDF_TIMEOUT:
            raise EngineTimeout(f"poppler stopped after {budget:.3g} s") from exc
        raise


def _left(deadline: float) -> int:
    """Seconds to `deadline` for pdf2image's `timeout`: hinted int, but handed to Popen.communicate,
    which takes fractions (whole seconds would turn 0.5 s into no limit at all)."""
    return cast(int, max(0.001, deadline - time.monotonic()))


def _pdf_dpi(size: str, settings: Settings) -> int:
    """`ocr_pdf_dpi`, lowered for huge pages so the raster stays within `ocr_max_pixels`."""
    dpi = settings.ocr_pdf_dpi
    try:
        width_pt, _, height_pt = size.split()[:3]
        area_in = float(width_pt) / 72 * float(height_pt) / 72
    except ValueError:
        return dpi
    if area_in > 0 and area_in * dpi * dpi > settings.ocr_max_pixels:
        dpi = max(1, int((settings.ocr_max_pixels / area_in) ** 0.5))
    return dpi


# --- per-type pixel filters (geometry-preserving) ---------------------------------------------------


def downscale_factor(image: Image.Image, max_side: int) -> float:
    return min(1.0, max_side / max(image.size))


def resize(image: Image.Image, factor: float) -> Image.Image:
    if factor == 1.0:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC)


def border_colour(image: Image.Image) -> int | tuple[int, ...]:
    """Median colour of the outermost pixels: what new corners of a rotated page are filled with."""
    pixels = np.asarray(image)
    edge = np.concatenate((pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]))
    median = np.median(edge, axis=0)
    if image.mode == "L":
        return int(median)
    return tuple(int(c) for c in median)


def line_height(gray: Image.Image) -> float | None:
    """Median height in pixels of the dark horizontal bands (text lines) of an upright page."""
    pixels = np.asarray(gray, dtype=np.float32)
    if pixels.size == 0:
        return None
    ink = pixels < min(float(pixels.mean()) - 2 * float(pixels.std()) / 3, 160.0)
    ink[:, ink.mean(axis=0) > 0.5] = False  # borders and scanner shadows are not text
    rows = ink.sum(axis=1) > max(2, ink.shape[1] // 100)
    edges = np.diff(np.concatenate(([0], rows.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    heights = (ends - starts)[(ends - starts) >= 3]
    return float(np.median(heights)) if len(heights) else None


def clean_handwriting(image: Image.Image) -> Image.Image:
    """Grayscale, denoise, then Sauvola binarization: strokes of uneven ink on uneven paper."""
    gray = ImageOps.autocontrast(image.convert("L").filter(ImageFilter.MedianFilter(3)), cutoff=1)
    pixels = np.asarray(gray, dtype=np.float64)
    window = max(15, (min(gray.size) // 20) | 1)
    mean, std = _local_stats(pixels, window)
    threshold = mean * (1 + 0.2 * (std / 128.0 - 1))  # Sauvola, k=0.2, R=128
    ink = pixels <= threshold
    ink &= ~_rules(ink)  # ruled paper: drop the rules, keep the writing that crosses them
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))


def _rules(ink: np.ndarray) -> np.ndarray:
    """Ink of ruled lines: thin pixels on rows that carry a run across a quarter of the page."""
    rows = _long_runs(ink, max(40, ink.shape[1] // 4)).any(axis=1)
    rows = rows | np.roll(rows, 1) | np.roll(rows, -1)
    thin = ~np.roll(ink, 3, axis=0) & ~np.roll(ink, -3, axis=0)
    rules: np.ndarray = ink & rows[:, None] & thin
    return rules


def _long_runs(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels belonging to horizontal ink runs of at least `length` (a morphological opening)."""
    h, w = ink.shape
    if w < length:
        return np.zeros_like(ink)
    sums = np.concatenate((np.zeros((h, 1), np.int32), ink.astype(np.int32).cumsum(axis=1)), axis=1)
    full = (sums[:, length:] - sums[:, :-length]) == length  # window [j, j+length) is all ink
    starts = np.concatenate((full.astype(np.int32), np.zeros((h, length - 1), np.int32)), axis=1)
    covered = np.concatenate((np.zeros((h, 1), np.int32), starts.cumsum(axis=1)), axis=1)
    # pixel j is in some full window starting in (j-length, j]
    counts = covered[:, length:] - covered[:, :-length]
    counts = np.concatenate((covered[:, 1:length], counts), axis=1)
    covered_mask: np.ndarray = counts > 0
    return covered_mask


def _local_stats(pixels: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over a window x window neighbourhood, via integral images."""
    pad = window // 2
    padded = np.pad(pixels, pad + 1, mode="edge")
    total = padded.cumsum(0).cumsum(1)
    squares = (padded**2).cumsum(0).cumsum(1)
    h, w = pixels.shape

    def box(table: np.ndarray) -> np.ndarray:
        sums: np.ndarray = (
            table[window : window + h, window : window + w]
            - table[0:h, window : window + w]
            - table[window : window + h, 0:w]
            + table[0:h, 0:w]
        )
        return sums

    count = float(window * window)
    mean = box(total) / count
    variance = np.maximum(box(squares) / count - mean**2, 0.0)
    return mean, np.sqrt(variance)


MIN_COLUMN_LINES = 4  # a column holds at least this many text lines
MIN_COLUMN_WIDTH = 6.0  # line heights: narrower ink (a receipt's price column) is not a column
MIN_GUTTER = 0.8  # line heights: a gutter is wider than about one character


def column_count(gray: Image.Image) -> int:
    """How many text columns an upright page has, split by gutters running through the text's height.

    A gutter is a vertical band with no ink (a rule counts as no ink) at least MIN_GUTTER line heights
    wide; every column it separates must be MIN_COLUMN_WIDTH line heights wide and hold
    MIN_COLUMN_LINES lines, else the page is one column (a receipt's item/price gap is no gutter)."""
    height = line_height(gray)
    pixels = np.asarray(gray, dtype=np.float32)
    if height is None or pixels.size == 0:
        return 1
    ink = pixels < min(float(pixels.mean()) - 2 * float(pixels.std()) / 3, 160.0)
    ink[:, ink.mean(axis=0) > 0.5] = False  # rules, borders and shadows
    rows = np.nonzero(ink.sum(axis=1) > max(2, ink.shape[1] // 100))[0]
    if len(rows) == 0:
        return 1
    band = ink[rows[0] : rows[-1] + 1]
    occupied = band.sum(axis=0) > max(1, band.shape[0] // 200)
    edges = np.diff(np.concatenate(([0], occupied.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    if len(starts) == 0:
        return 1
    # Runs of occupied x separated by gaps narrower than a gutter belong to one column.
    columns = [[int(starts[0]), int(ends[0])]]
    for start, end in zip(starts[1:], ends[1:], strict=True):
        if start - columns[-1][1] < MIN_GUTTER * height:
            columns[-1][1] = int(end)
        else:
            columns.append([int(start), int(end)])
    if len(columns) < 2:
        return 1
    for left, right in columns:
        lines = band[:, left:right].sum(axis=1) > 0
        runs = np.diff(np.concatenate(([0], lines.astype(np.int8), [0])))
        if right - left < MIN_COLUMN_WIDTH * height or int((runs == 1).sum()) < MIN_COLUMN_LINES:
            return 1
    return len(columns)
