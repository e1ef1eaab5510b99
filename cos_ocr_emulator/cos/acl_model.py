"""The ACL model: grants, canned ACLs, the `x-cos-acl` / `x-cos-grant-*` headers, and the stored form.

A bucket's ACL is the bucket_configs document "acl"; an object's is its own `acl` field, where "" means
`default` (the object follows its bucket). Stored form: JSON `[[kind, grantee, permission], ...]`, the
owner's FULL_CONTROL implied. Pure functions: no store, no request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cos_ocr_emulator.errors import CosError

GROUP, USER = "Group", "CanonicalUser"
ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"
PERMISSIONS = frozenset({"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"})
DEFAULT = ""  # an object's ACL when none was set: its bucket's applies


@dataclass(frozen=True)
class Grant:
    kind: str  # GROUP or USER
    grantee: str  # the group URI or the qcs::cam::uin/... id
    permission: str


_PUBLIC_READ = (Grant(GROUP, ALL_USERS, "READ"),)
CANNED_BUCKET = {
    "private": (),
    "public-read": _PUBLIC_READ,
    "public-read-write": (*_PUBLIC_READ, Grant(GROUP, ALL_USERS, "WRITE")),
}
CANNED_OBJECT = {"default": None, "private": (), "public-read": _PUBLIC_READ}

_GRANT_HEADERS = {
    "x-cos-grant-read": "READ",
    "x-cos-grant-write": "WRITE",
    "x-cos-grant-read-acp": "READ_ACP",
    "x-cos-grant-write-acp": "WRITE_ACP",
    "x-cos-grant-full-control": "FULL_CONTROL",
}
_GRANTEE = re.compile(r'\s*(id|uri)\s*=\s*"([^"]*)"\s*')


def dump_acl(grants: tuple[Grant, ...] | list[Grant]) -> str:
    return json.dumps([[g.kind, g.grantee, g.permission] for g in grants], ensure_ascii=False)


def load_acl(document: str) -> list[Grant]:
    return [Grant(kind, grantee, permission) for kind, grantee, permission in json.loads(document)] if document else []


def _parse_grantees(header: str, value: str, permission: str) -> list[Grant]:
    grants: list[Grant] = []
    for part in value.split(","):
        match = _GRANTEE.fullmatch(part)
        if match is None:
            raise CosError("InvalidArgument", f"{header} value invalid:{value}")
        kind, who = match.groups()
        if kind == "uri" and who != ALL_USERS:
            raise CosError("InvalidArgument", f"{header} value invalid:{value}")
        grants.append(Grant(GROUP if kind == "uri" else USER, who, permission))
    return grants


def acl_from_headers(headers: Mapping[str, str], *, for_object: bool) -> str | None:
    """The stored ACL document the headers ask for, or None when they name no ACL at all.

    `x-cos-acl` with an unknown value is refused with COS's own message; an object's `default`
    returns DEFAULT. Grant headers add to the canned ACL (COS accepts both at once).
    """
    canned_table = CANNED_OBJECT if for_object else CANNED_BUCKET
    canned = headers.get("x-cos-acl")
    grants: list[Grant] = []
    if canned is not None:
        if canned not in canned_table:
            raise CosError("InvalidArgument", f"x-cos-acl value invalid:{canned}")
        grants.extend(canned_table[canned] or ())
    for header, permission in _GRANT_HEADERS.items():
        if (value := headers.get(header)) is not None:
            grants.extend(_parse_grantees(header, value, permission))
    if canned is None and not grants:
        return None
    if for_object and canned == "default" and not grants:
        return DEFAULT
    return dump_acl(grants)


def canned_name(grants: list[Grant], *, for_object: bool, is_default: bool = False) -> str:
    """The x-cos-acl value COS reports for these grants."""
    if for_object and is_default:
        return "default"
    group = {g.permission for g in grants if g.kind == GROUP and g.grantee == ALL_USERS}
    if {"READ", "WRITE"} <= group and not for_object:
        return "public-read-write"
    return "public-read" if "READ" in group else "private"


def grants_public(grants: list[Grant], permission: str) -> bool:
    """Does this ACL give everyone (anonymous requests) `permission`?"""
    return any(
        g.kind == GROUP and g.grantee == ALL_USERS and g.permission in (permission, "FULL_CONTROL") for g in grants
    )
