"""Per-key permissions: may this SecretId perform `cos:GetObject` / `ci:CreateOCRJob`?

KeyPair.actions holds CAM-style entries: `*`, `name/cos:*`, `name/cos:GetObject`, `cos:GetObject`,
`name/ci:*`. The `name/` prefix is optional and entries are fnmatch globs.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

from cos_ocr_emulator.auth.verify import Principal
from cos_ocr_emulator.errors import CosError

_PREFIX = "name/"


@lru_cache(maxsize=1024)
def action_allowed(patterns: tuple[str, ...], action: str) -> bool:
    # CAM action names are case-insensitive ("name/cos:getobject" grants GetObject), as in IAM. Cached:
    # a key's grants and the actions asked for are few, and asked for on every request.
    wanted = action.lower()
    for entry in patterns:
        pattern = entry.strip().lower()
        if pattern.startswith(_PREFIX):
            pattern = pattern[len(_PREFIX) :]
        if pattern and fnmatchcase(wanted, pattern):
            return True
    return False


def authorize(principal: Principal, action: str, resource_bucket: str | None) -> None:
    """Raise AccessDenied unless the principal's key grants `action`.

    Anonymous and auth-off principals (no key) pass: whether they may act at all was decided by
    `authenticate` (public_read/read_only). `resource_bucket` is accepted for bucket-scoped grants
    later; actions are not resource-scoped yet.
    """
    del resource_bucket
    key = principal.key
    if key is None or action_allowed(key.actions, action):
        return
    raise CosError("AccessDenied", f"SecretId {key.secret_id} is not allowed to perform {action}")
