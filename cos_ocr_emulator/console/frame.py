"""The picture the OCR coordinates refer to, as PNG: the image as displayed (EXIF orientation applied,
alpha on white) or a PDF page rasterized at `ocr_pdf_dpi`. It is decoded by the OCR pipeline's own
loader, so a polygon's pixel coordinates land on the same pixels the page draws.
"""

from __future__ import annotations

import io

from fastapi.responses import Response

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.ocr import image as imaging


def render_frame(data: bytes, settings: Settings, page: int) -> Response:
    loaded = imaging.load(data, settings, ispdf=imaging.is_pdf(data), page=page)
    out = io.BytesIO()
    loaded.image.save(out, "PNG", compress_level=1)  # speed over size: it never leaves the machine
    headers = {
        "X-Image-Width": str(loaded.image.width),
        "X-Image-Height": str(loaded.image.height),
        "X-Pdf-Page-Size": str(loaded.pdf_page_size),
        "Cache-Control": "no-store",
    }
    return Response(out.getvalue(), media_type="image/png", headers=headers)
