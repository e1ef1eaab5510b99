"""Cloud Infinite OCR (`GET /<key>?ci-process=OCR`) with Tesseract inside.

The HTTP handler calls exactly two things: `OcrRequest.parse(query)` (request.py) and
`await OcrService(settings).recognize(data, request)` (pipeline.py), then renders the result with
`cos_ocr_emulator.xml.ocr.render_ocr`. Everything between bytes and `OcrResult` lives here:

    request.py    query parameters -> validated OcrRequest (the API page's rules, CosError on bad input)
    source.py     detect-url: peel percent-encoding, fetch with limits (or from this emulator's storage)
    image.py      bytes -> one normalized PIL image (formats, EXIF, alpha, PDF page, limits)
    orient.py     OSD result -> rotation, skew estimate, coordinate transforms back to the original image
    languages.py  CI language-type <-> Tesseract traineddata, and what is installed
    engine/       the Tesseract backends (tesserocr in-process, pytesseract CLI) and a canned one for tests
    pipeline.py   the five recognition types as real trade-offs, run off the event loop
    result.py     the model the XML renderer consumes (integers everywhere except the angle)

This package never renders XML and never touches HTTP objects.
"""

from __future__ import annotations

import os

# Tesseract's OpenMP build (Debian's libtesseract, which the CLI uses) spawns one thread per core for
# every page and is 3-6x slower on a 2-core machine than running single-threaded; we parallelise across
# requests instead. libgomp reads this variable when it is loaded, so it must be set before any
# Tesseract library is: importing this package is that point. An explicit value from the user wins.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
