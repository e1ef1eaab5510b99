"""Tag sets: COS's limits, and the `x-cos-tagging` / `x-cos-tagging-count` headers. Pure."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from cos_ocr_emulator.errors import CosError

MAX_OBJECT_TAGS, MAX_BUCKET_TAGS = 10, 50
_ALLOWED = re.compile(r"[\w +\-=._:/@]*")

Tags = tuple[tuple[str, str], ...]


def check_tags(tags: list[tuple[str, str]], *, limit: int) -> Tags:
    if len(tags) > limit:
        raise CosError("BadRequest", f"At most {limit} tags are allowed here; {len(tags)} were given.")
    seen: set[str] = set()
    for key, value in tags:
        if not 1 <= len(key) <= 128 or not _ALLOWED.fullmatch(key):
            raise CosError("InvalidTag", f"The TagKey {key!r} is invalid (1-128 letters, digits, spaces, +-=._:/@).")
        if len(value) > 256 or not _ALLOWED.fullmatch(value):
            raise CosError(
                "InvalidTag", f"The TagValue {value!r} is invalid (0-256 letters, digits, spaces, +-=._:/@)."
            )
        if key in seen:
            raise CosError("InvalidTag", f"Cannot provide multiple Tags with the same key {key!r}.")
        seen.add(key)
    return tuple(tags)


def tags_from_header(value: str | None) -> Tags:
    """`x-cos-tagging: k1=v1&k2=v2` (URL-encoded) on PUT Object / initiate multipart."""
    if value is None:
        return ()
    return check_tags(parse_qsl(value, keep_blank_values=True), limit=MAX_OBJECT_TAGS)


def tagging_count(tags: Tags) -> dict[str, str]:
    return {"x-cos-tagging-count": str(len(tags))} if tags else {}
