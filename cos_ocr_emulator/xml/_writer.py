"""A tiny XML writer shared by the renderers: nodes in, UTF-8 bytes out.

Why not ElementTree: COS bodies are small, element order is part of the contract, and we need one
place that strips characters XML 1.0 cannot carry (OCR output and object keys may contain them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeAlias

# A node is (tag, value): value is text, a number, a bool, None (empty element) or child nodes.
Value: TypeAlias = str | int | float | bool | Sequence["Node"] | None
Node: TypeAlias = tuple[str, Value]

PROLOG = b"<?xml version='1.0' encoding='utf-8' ?>\n"

# Characters not allowed in XML 1.0 documents: C0 controls except TAB/LF/CR, surrogates, U+FFFE/FFFF.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    text = _INVALID.sub("", text)
    # A raw CR would be normalised to LF by every XML parser; the character reference survives.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):  # COS spells booleans in lower case (IsTruncated)
        return "true" if value else "false"
    return escape(str(value))


def _render(node: Node, out: list[str]) -> None:
    tag, value = node
    name = tag.split(" ", 1)[0]  # a tag may carry attributes: 'Grantee xsi:type="Group"'
    if value is None:
        out.append(f"<{tag}/>")
    elif isinstance(value, str | int | float | bool):
        out.append(f"<{tag}>{_scalar(value)}</{name}>")
    else:
        out.append(f"<{tag}>")
        for child in value:
            _render(child, out)
        out.append(f"</{name}>")


def document(root: str, children: Iterable[Node] | str, *, prolog: bool = True) -> bytes:
    """Render `<root>children</root>`; a str gives a text-only root (LocationConstraint)."""
    out: list[str] = []
    _render((root, children if isinstance(children, str) else list(children)), out)
    body = "".join(out).encode("utf-8")
    return PROLOG + body if prolog else body
