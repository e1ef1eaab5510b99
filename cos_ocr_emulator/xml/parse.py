"""Reading COS XML request bodies safely: one parser for every configuration and command body.

No DTDs or entities (never needed by COS bodies, and the way in for entity-expansion attacks);
namespaces are ignored (SDKs differ in whether they send one); a body that is not well-formed or has the
wrong root raises `error_code` (MalformedXML unless the API answers something else, e.g. ACL).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from cos_ocr_emulator.errors import CosError


def parse_body(body: bytes, root: str, *, error_code: str = "MalformedXML") -> ET.Element:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise CosError(error_code, "DTDs and entities are not allowed in request bodies.")
    try:
        element = ET.fromstring(body)
    except ET.ParseError as exc:
        raise CosError(error_code, f"The XML you provided was not well-formed: {exc}.") from exc
    if local(element.tag) != root:
        raise CosError(error_code, f"Expected a <{root}> root element, got <{local(element.tag)}>.")
    return element


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if local(child.tag) == name)


def child(element: ET.Element, name: str) -> ET.Element | None:
    return next(children(element, name), None)


def child_text(element: ET.Element, name: str) -> str | None:
    found = child(element, name)
    return None if found is None else (found.text or "").strip()
