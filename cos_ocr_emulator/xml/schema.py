"""A small declarative XML schema for COS configuration bodies: parse, validate, re-render. Pure.

COS refuses a configuration it cannot read with `MalformedXML` (not well-formed, wrong root, an element
it does not know, a required one missing, a single one repeated) and one whose values are out of range
with `InvalidArgument`. Each configuration declares its elements once as `Field`s; `validate` applies
those rules and `canonical` re-renders the accepted document without insignificant whitespace, which is
what the emulator stores and returns on GET.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.parse import child as first_child
from cos_ocr_emulator.xml.parse import children, local, parse_body


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = False
    repeat: bool = False  # may occur more than once
    choices: tuple[str, ...] = ()  # allowed text values (exact spelling)
    kind: str = "text"  # "text" | "int" | "bool" | "node" (children below) | "any" (subtree not checked)
    children: tuple[Field, ...] = ()
    low: int | None = None  # for "int"
    high: int | None = None
    nonempty: bool = False  # text must not be blank

    def __post_init__(self) -> None:
        if self.children and self.kind == "text":
            object.__setattr__(self, "kind", "node")


def node(name: str, *children: Field, required: bool = False, repeat: bool = False) -> Field:
    return Field(name, required=required, repeat=repeat, kind="node", children=children)


def malformed(message: str) -> CosError:
    return CosError("MalformedXML", message)


def invalid(message: str) -> CosError:
    return CosError("InvalidArgument", message)


def parse_root(body: bytes, root: str) -> ET.Element:
    """Parse a request body whose root must be <root> (xml/parse.py's rules); an empty body is malformed."""
    if not body.strip():
        raise malformed(f"The request body is empty; a <{root}> document is required.")
    return parse_body(body, root)


def text_of(element: ET.Element) -> str:
    return (element.text or "").strip()


def children_named(element: ET.Element, name: str) -> list[ET.Element]:
    return list(children(element, name))


def text_at(element: ET.Element, path: str) -> str | None:
    """Text at a '/'-separated path of element names below `element`, or None if absent."""
    current: ET.Element | None = element
    for name in path.split("/"):
        current = first_child(current, name) if current is not None else None
    return None if current is None else text_of(current)


def _check_value(field: Field, element: ET.Element, where: str) -> None:
    value = text_of(element)
    if field.nonempty and not value:
        raise invalid(f"<{where}> must not be empty.")
    if field.choices and value not in field.choices:
        raise invalid(f"<{where}> must be one of {', '.join(field.choices)}, not {value!r}.")
    if field.kind == "bool" and value not in ("true", "false"):
        raise invalid(f"<{where}> must be true or false, not {value!r}.")
    if field.kind == "int":
        if not value.lstrip("-").isdigit():
            raise invalid(f"<{where}> must be an integer, not {value!r}.")
        number = int(value)
        if (field.low is not None and number < field.low) or (field.high is not None and number > field.high):
            raise invalid(f"<{where}> must be {_bounds(field.low, field.high)}, not {number}.")


def _bounds(low: int | None, high: int | None) -> str:
    if high is None:
        return f"at least {low}"
    return f"at most {high}" if low is None else f"between {low} and {high}"


def validate(element: ET.Element, fields: Iterable[Field], where: str) -> None:
    """Check `element`'s children against `fields`, recursively."""
    known = {f.name: f for f in fields}
    counts: dict[str, int] = {}
    for child in element:
        name = local(child.tag)
        field = known.get(name)
        if field is None:
            raise malformed(f"<{where}> may not contain <{name}>.")
        counts[name] = counts.get(name, 0) + 1
        if counts[name] > 1 and not field.repeat:
            raise malformed(f"<{where}> may contain only one <{name}>.")
        path = f"{where}/{name}"
        if field.kind == "node":
            if text_of(child):
                raise malformed(f"<{path}> holds elements, not text.")
            validate(child, field.children, path)
        elif field.kind != "any":
            if len(child):
                raise malformed(f"<{path}> holds text, not elements.")
            _check_value(field, child, path)
    for field in known.values():
        if field.required and counts.get(field.name, 0) == 0:
            raise malformed(f"<{where}> needs a <{field.name}>.")


def element_nodes(element: ET.Element) -> list[Node]:
    out: list[Node] = []
    for child in element:
        out.append((local(child.tag), element_nodes(child) if len(child) else text_of(child)))
    return out


def canonical(element: ET.Element) -> str:
    """The document re-rendered: no namespace, no insignificant whitespace, a stable prolog."""
    return document(local(element.tag), element_nodes(element)).decode("utf-8")


Check = Callable[[ET.Element], None]


def no_check(_: ET.Element) -> None:
    return None
