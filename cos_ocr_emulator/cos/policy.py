"""Bucket policy: GET/PUT/DELETE Bucket `?policy` (JSON), and what it means for anonymous requests.

Every policy is validated as a document (a `Statement` list whose entries have an `Effect`, a
`Principal`, an `Action` and a `Resource`) and returned exactly as stored. Element names and the effect
are read case-insensitively, as CAM reads them: COS's own examples write `"Effect": "allow"`, and CAM's
policy syntax spells every element in lower case. Only statements whose
principal is everyone (`"*"` or `qcs::cam::anyone:anyone`) take effect here: an explicit Deny wins,
then an Allow on the action (`name/cos:GetObject`, globs allowed) and the resource
(`qcs::cos:<region>:uid/<appid>:<bucket>/<key>`, `*` globs) lets an unsigned request through.
Statements for named principals are stored but have no effect, and conditions are not evaluated
(docs/deviations.md).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import SERVER_COS, empty_response

POLICY = "policy"  # the bucket_configs name
MAX_POLICY_BYTES = 20 * 1024
ANYONE = frozenset({"*", "qcs::cam::anyone:anyone"})


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _field(element: dict[str, Any], name: str) -> Any:
    """`element[name]`, the name matched case-insensitively; a name given twice is ambiguous."""
    found = [value for key, value in element.items() if key.lower() == name.lower()]
    if len(found) > 1:
        raise CosError("MalformedPolicy", f"{name} is given more than once.")
    return found[0] if found else None


def _effect(statement: dict[str, Any]) -> str:
    return str(_field(statement, "Effect")).lower()


def validate_policy(body: bytes) -> str:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CosError("MalformedPolicy", f"The policy is not valid JSON: {exc}.") from exc
    statements = _field(document, "Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list) or not statements:
        raise CosError("MalformedPolicy", "The policy needs a non-empty Statement list.")
    for statement in statements:
        if not isinstance(statement, dict):
            raise CosError("MalformedPolicy", "Each Statement must be an object.")
        if _effect(statement) not in ("allow", "deny"):
            raise CosError("MalformedPolicy", f"Invalid effect: {_field(statement, 'Effect')!r}.")
        for name in ("Principal", "Action", "Resource"):
            value = _field(statement, name)
            if not value or not all(isinstance(v, str | dict) for v in _as_list(value)):
                raise CosError("MalformedPolicy", f"Each Statement needs a {name}.")
    return body.decode("utf-8").strip()


def _principals(statement: dict[str, Any]) -> set[str]:
    principal = _field(statement, "Principal")
    if isinstance(principal, dict):
        return {str(p) for values in principal.values() for p in _as_list(values)}
    return {str(p) for p in _as_list(principal)}


def _action_matches(patterns: list[Any], action: str) -> bool:
    wanted = action.lower()
    return any(fnmatchcase(wanted, str(p).lower().removeprefix("name/")) for p in patterns)


def anonymous_verdict(document: str, action: str, resource: str) -> bool | None:
    """True (allowed), False (explicitly denied) or None (the policy says nothing) for everyone."""
    try:
        statements = _field(json.loads(document), "Statement")
    except (ValueError, AttributeError, CosError):
        return None
    verdict: bool | None = None
    for statement in statements:
        if not ANYONE & _principals(statement):
            continue
        if not _action_matches(_as_list(_field(statement, "Action")), action):
            continue
        if not any(fnmatchcase(resource, str(r)) for r in _as_list(_field(statement, "Resource"))):
            continue
        # Conditions (source IP, referer, ...) are not evaluated: a conditional Deny is taken to apply and
        # a conditional Allow is not, so the emulator never admits more than COS would.
        if _effect(statement) == "deny":
            return False
        if _field(statement, "Condition") is None:
            verdict = True
    return verdict


async def get_bucket_policy(ctx: Ctx) -> Response:
    document = await ctx.store.get_bucket_config(ctx.req.bucket, POLICY)
    if document is None:
        raise CosError("NoSuchPolicy")
    return Response(document.encode(), headers={"Content-Type": "application/json", "Server": SERVER_COS})


async def put_bucket_policy(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    document = validate_policy(await ctx.body_bytes(limit=MAX_POLICY_BYTES))
    await ctx.store.put_bucket_config(ctx.req.bucket, POLICY, document)
    return empty_response(204)
