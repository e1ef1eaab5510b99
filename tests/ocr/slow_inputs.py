"""Real inputs that take long to read, built from our own fixtures (deterministic): for the time limits.

- `dense_page(side)`: scan_en.png tiled onto a square page. Many lines of small print: Tesseract's OSD
  and layout analysis scale with its pixels, PP-OCR recognizes its lines batch after batch.
- `poster_pdf()`: one page of 85 x 110 inches (a poster, an architectural sheet): poppler renders it
  at `ocr_max_pixels` (50 Mpx), which takes seconds.
- `child_cpu()`: CPU seconds of the child processes this process has reaped (tesseract, pdftoppm), the
  measure that shows a subprocess was stopped early, immune to a busy machine's wall clock.
"""

from __future__ import annotations

import functools
import io
import resource

from PIL import Image

from fixtures.make_fixtures import write_pdf
from fixtures.manifest import HERE


@functools.cache
def dense_page(side: int) -> bytes:
    tile = Image.open(HERE / "scan_en.png").convert("L")
    page = Image.new("L", (side, side), 255)
    for top in range(0, side, tile.height):
        for left in range(0, side, tile.width):
            page.paste(tile, (left, top))
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def poster_pdf() -> bytes:
    return write_pdf([["Site plan, sheet 4 of 12", "Scale 1:200"]], size=(6120, 7920))


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
