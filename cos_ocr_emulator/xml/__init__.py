"""Serializers: the only code that knows XML element names.

`cos.py` renders COS bodies (errors, listings, multipart results), `ocr.py` the CI OCR response.
Every renderer is a pure function `render_<thing>(model) -> bytes`.
"""
