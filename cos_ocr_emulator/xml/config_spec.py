"""What a bucket configuration document is (`ConfigSpec`) and `parse_config`, the whole validation of a PUT.

One `ConfigSpec` per sub-resource (`?referer`, `?lifecycle`, ...), declared in `configs_access.py` and
`configs_data.py`. Their shapes follow the COS API pages and the official SDKs' request structs (element
names, which ones repeat, enumerations); docs/wire-compat.md summarises them. Pure: nothing here touches
the store or the request.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from cos_ocr_emulator.xml.schema import (
    Check,
    Field,
    canonical,
    children_named,
    invalid,
    no_check,
    parse_root,
    text_at,
    validate,
)

ENABLED = ("Enabled", "Disabled")
PROLOG = "<?xml version='1.0' encoding='utf-8' ?>\n"
_COS_BUCKET_ARN = re.compile(r"^qcs::cos:[a-z0-9-]+::[a-z0-9][a-z0-9-]*-\d+$")


@dataclass(frozen=True)
class ConfigSpec:
    name: str  # the sub-resource, and the store's document name (keyed ones: "<name>/<key>")
    root: str
    fields: tuple[Field, ...]
    missing: str  # the error code of a GET before any PUT (404); "" when `default` answers instead
    check: Check = no_check
    default: str | None = None  # what GET returns when nothing was put, where COS answers 200
    keyed_by: str | None = None  # the query parameter that names one of many documents (inventory ?id=)
    # Elements a stored document always has (empty when the PUT left them out), where an SDK reads them
    # back unconditionally: Python's get_bucket_inventory indexes <OptionalFields>.
    always: tuple[str, ...] = ()


def parse_config(spec: ConfigSpec, body: bytes) -> tuple[ET.Element, str]:
    """Validate a PUT body; returns the parsed root and the canonical document to store."""
    root = parse_root(body, spec.root)
    validate(root, spec.fields, spec.root)
    spec.check(root)
    for name in spec.always:
        if not children_named(root, name):
            ET.SubElement(root, name)
    return root, canonical(root)


def unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise invalid(f"{what} {value!r} occurs more than once.")
        seen.add(value)


def ids(root: ET.Element, rule: str, id_name: str) -> list[str]:
    """The non-empty <id_name> of every <rule> child of root."""
    return [v for r in children_named(root, rule) if (v := text_at(r, id_name))]


def check_bucket_arn(value: str | None, where: str) -> None:
    """Destinations name a bucket as qcs::cos:<region>::<bucket>-<appid>."""
    if value is not None and not _COS_BUCKET_ARN.match(value):
        raise invalid(f"<{where}> must look like qcs::cos:<region>::<bucket>-<appid>, not {value!r}.")
