"""Archive storage classes: an ARCHIVE / DEEP_ARCHIVE object is not readable until it is restored.

GET (and a copy from it) answers 403 InvalidObjectState until POST ?restore; HEAD always works. COS takes
minutes to hours to restore; the emulator restores at once (docs/deviations.md), so the first POST answers
202 and the object is readable right away, with `x-cos-restore: ongoing-request="false", expiry-date=...`
on HEAD/GET. Past the expiry date the object is archived again, as in COS.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from starlette.responses import Response

from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.responses import empty_response, http_date
from cos_ocr_emulator.storage.models import ObjectInfo
from cos_ocr_emulator.xml.schema import Field, node, parse_root, text_at, validate

RESTORE = "x-cos-restore"
ARCHIVED = frozenset({"ARCHIVE", "DEEP_ARCHIVE"})
_EXPIRY = re.compile(r'expiry-date="([^"]+)"')
_REQUEST = (
    Field("Days", required=True, kind="int", low=1, high=365),
    node("CASJobParameters", Field("Tier", required=True, choices=("Expedited", "Standard", "Bulk"))),
)


def restored_until(info: ObjectInfo) -> datetime | None:
    match = _EXPIRY.search(info.headers.get(RESTORE, ""))
    return parsedate_to_datetime(match.group(1)) if match else None


def check_readable(info: ObjectInfo, now: float | None = None) -> None:
    """InvalidObjectState unless the object is in a readable class or restored and not yet expired."""
    if info.storage_class not in ARCHIVED:
        return
    until = restored_until(info)
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    if until is None or until <= moment:
        raise CosError(
            "InvalidObjectState",
            f"The object is in {info.storage_class}; restore it (POST ?restore) before reading it.",
            resource=f"{info.bucket}/{info.key}",
        )


def expiry_after(days: int, now: float) -> datetime:
    """Midnight UTC after `days` days, the way restore expiry dates are rounded."""
    day = datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=days + 1)


async def restore_object(ctx: Ctx) -> Response:
    version = ctx.req.version_id
    info = await ctx.store.head_object(ctx.req.bucket, ctx.req.key, version)
    root = parse_root(await ctx.body_bytes(), "RestoreRequest")
    validate(root, _REQUEST, "RestoreRequest")
    if info.storage_class not in ARCHIVED:
        raise CosError(
            "InvalidObjectState", f"Only ARCHIVE and DEEP_ARCHIVE objects are restored, not {info.storage_class}."
        )
    tier = text_at(root, "CASJobParameters/Tier") or "Standard"
    if info.storage_class == "DEEP_ARCHIVE" and tier == "Expedited":
        raise CosError("InvalidArgument", "DEEP_ARCHIVE objects are restored with the Standard or Bulk tier.")
    now = time.time()
    already = restored_until(info)
    until = expiry_after(int(text_at(root, "Days") or "1"), now)
    headers = {**info.headers, RESTORE: f'ongoing-request="false", expiry-date="{http_date(until)}"'}
    await ctx.store.set_object_fields(ctx.req.bucket, ctx.req.key, version, headers=headers)
    # 202 for a new restore, 200 when a restored copy already existed (its expiry is extended).
    return empty_response(200 if already is not None and already > datetime.fromtimestamp(now, tz=UTC) else 202)
