"""ACL bodies: `<AccessControlPolicy>` as COS renders it (xsi:type on every Grantee) and as SDKs send it."""

from __future__ import annotations

from collections.abc import Sequence

from cos_ocr_emulator.cos.acl_model import ALL_USERS, GROUP, PERMISSIONS, USER, Grant
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.parse import child, child_text, children, parse_body

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_MALFORMED = "AccessControlPolicy is not well-formed"


def owner_id(appid: str) -> str:
    return f"qcs::cam::uin/{appid}:uin/{appid}"


def _grantee(grant: Grant) -> Node:
    tag = f'Grantee xmlns:xsi="{_XSI}" xsi:type="{grant.kind}"'
    if grant.kind == GROUP:
        return (tag, [("URI", grant.grantee)])
    return (tag, [("ID", grant.grantee), ("DisplayName", grant.grantee)])


def render_acl(appid: str, grants: Sequence[Grant]) -> bytes:
    owner = owner_id(appid)
    everything = [Grant(USER, owner, "FULL_CONTROL"), *(g for g in grants if g != Grant(USER, owner, "FULL_CONTROL"))]
    return document(
        "AccessControlPolicy",
        [
            ("Owner", [("ID", owner), ("DisplayName", owner)]),
            ("AccessControlList", [("Grant", [_grantee(g), ("Permission", g.permission)]) for g in everything]),
        ],
    )


def parse_acl(body: bytes) -> list[Grant]:
    """Grants of an `<AccessControlPolicy>`; COS answers InvalidArgument for anything malformed."""
    root = parse_body(body, "AccessControlPolicy", error_code="InvalidArgument")
    acl = child(root, "AccessControlList")
    if acl is None:
        raise CosError("InvalidArgument", f"{_MALFORMED}: no <AccessControlList>.")
    grants: list[Grant] = []
    for grant in children(acl, "Grant"):
        grantee = child(grant, "Grantee")
        permission = (child_text(grant, "Permission") or "").upper()
        if grantee is None or permission not in PERMISSIONS:
            raise CosError("InvalidArgument", f"{_MALFORMED}: each <Grant> needs a <Grantee> and a valid <Permission>.")
        kind = grantee.get(f"{{{_XSI}}}type") or grantee.get("type") or child_text(grantee, "Type") or ""
        uri, ident = child_text(grantee, "URI"), child_text(grantee, "ID")
        if not kind:
            kind = GROUP if uri else USER
        if kind == GROUP and uri == ALL_USERS:
            grants.append(Grant(GROUP, uri, permission))
        elif kind == USER and ident:
            grants.append(Grant(USER, ident, permission))
        else:
            raise CosError("InvalidArgument", f"{_MALFORMED}: unknown grantee {kind!r} {uri or ident or ''!r}.")
    return grants
