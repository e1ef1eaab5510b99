"""`<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`, both ways."""

from __future__ import annotations

from collections.abc import Sequence

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.xml._writer import document
from cos_ocr_emulator.xml.parse import child, child_text, children, parse_body


def render_tagging(tags: Sequence[tuple[str, str]]) -> bytes:
    return document("Tagging", [("TagSet", [("Tag", [("Key", k), ("Value", v)]) for k, v in tags])])


def parse_tagging(body: bytes) -> list[tuple[str, str]]:
    root = parse_body(body, "Tagging")
    tag_set = child(root, "TagSet")
    if tag_set is None:
        raise CosError("MalformedXML", "<Tagging> needs a <TagSet>.")
    tags: list[tuple[str, str]] = []
    for tag in children(tag_set, "Tag"):
        key, value = child_text(tag, "Key"), child_text(tag, "Value")
        if key is None or value is None:
            raise CosError("MalformedXML", "Each <Tag> needs a <Key> and a <Value>.")
        tags.append((key, value))
    return tags
