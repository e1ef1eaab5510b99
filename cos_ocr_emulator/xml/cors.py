"""`<CORSConfiguration>` both ways. The rules themselves (matching) live in `cos/cors.py`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from cos_ocr_emulator.cos.cors_model import METHODS, CorsRule
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.parse import child_text, children, parse_body

MAX_RULES = 100


def render_cors(rules: Sequence[CorsRule], response_vary: bool) -> bytes:
    out: list[Node] = []
    for rule in rules:
        nodes: list[Node] = [("ID", rule.id)] if rule.id else []
        nodes += [("AllowedOrigin", o) for o in rule.origins]
        nodes += [("AllowedMethod", m) for m in rule.methods]
        nodes += [("AllowedHeader", h) for h in rule.headers]
        nodes += [("ExposeHeader", h) for h in rule.expose]
        if rule.max_age is not None:
            nodes.append(("MaxAgeSeconds", rule.max_age))
        out.append(("CORSRule", nodes))
    out.append(("ResponseVary", "true" if response_vary else "false"))
    return document("CORSConfiguration", out)


def _texts(element: ET.Element, name: str) -> tuple[str, ...]:
    return tuple((c.text or "").strip() for c in children(element, name))


def parse_cors(body: bytes) -> tuple[list[CorsRule], bool]:
    root = parse_body(body, "CORSConfiguration")
    rules: list[CorsRule] = []
    for element in children(root, "CORSRule"):
        origins, methods = _texts(element, "AllowedOrigin"), _texts(element, "AllowedMethod")
        if not origins or not methods:
            raise CosError("MalformedXML", "Each <CORSRule> needs at least one <AllowedOrigin> and <AllowedMethod>.")
        for method in methods:
            if method not in METHODS:
                raise CosError(
                    "InvalidRequest", f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                )
        for origin in origins:
            if origin.count("*") > 1:
                raise CosError("InvalidRequest", f"AllowedOrigin {origin!r} can not have more than one wildcard.")
        max_age_text = child_text(element, "MaxAgeSeconds")
        max_age: int | None = None
        if max_age_text:
            if not max_age_text.isdigit():
                raise CosError("MalformedXML", f"<MaxAgeSeconds> must be a non-negative integer, not {max_age_text!r}.")
            max_age = int(max_age_text)
        rules.append(
            CorsRule(
                id=child_text(element, "ID") or "",
                origins=origins,
                methods=methods,
                headers=_texts(element, "AllowedHeader"),
                expose=_texts(element, "ExposeHeader"),
                max_age=max_age,
            )
        )
    if not rules:
        raise CosError("MalformedXML", "<CORSConfiguration> needs at least one <CORSRule>.")
    if len(rules) > MAX_RULES:
        raise CosError("InvalidRequest", f"A CORS configuration may hold at most {MAX_RULES} rules.")
    vary = (child_text(root, "ResponseVary") or "false").lower() == "true"
    return rules, vary
