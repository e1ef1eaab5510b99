"""COS's fixed limits, defined once; every module that enforces one imports it from here.

Configurable limits (object size, OCR image size, journal length) live in `config.py`; these are the
ones COS itself fixes and no user should change.
"""

from __future__ import annotations

MAX_KEYS = 1000  # GET Bucket max-keys, ListParts max-parts, ListMultipartUploads max-uploads
MAX_DELETE_KEYS = 1000  # <Object> entries in one DeleteMultipleObjects request
MAX_PART_NUMBER = 10_000  # part numbers run 1..10000
MIN_PART_SIZE = 1024 * 1024  # every part but the last is at least 1 MiB (EntityTooSmall)
MAX_KEY_BYTES = 850  # object keys, in bytes of UTF-8
MAX_BUCKET_NAME = 60  # <name>-<appid>, whole name
MAX_XML_BODY = 2 * 1024 * 1024  # request bodies that are XML documents (Complete, Delete, configurations)
