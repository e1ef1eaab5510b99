"""JSON the console reads: buckets with their totals, listings, object metadata, the OCR frame of an
object as an image, presigned COS URLs and the settings in force (secrets masked).

Reads go to the store directly; writes of object bytes do not live here (the page uses presigned
URLs against the real COS endpoint), except bucket creation and deletion, which the page does here so
that "delete with its contents" is one step.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cos_ocr_emulator.addressing import is_valid_bucket_name
from cos_ocr_emulator.auth.signing import presign_query
from cos_ocr_emulator.config import KeyPair, Settings
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.state import EmulatorState
from cos_ocr_emulator.storage.models import ObjectInfo

MAX_PAGE = 1000  # the same ceiling as GET Bucket's max-keys
PRESIGN_SECONDS = 900
MASK = "********"


class BucketIn(BaseModel):
    public_read: bool = False


class PresignIn(BaseModel):
    method: Literal["GET", "HEAD", "PUT", "DELETE"]
    bucket: str
    key: str = Field(min_length=1)
    params: dict[str, str] = Field(default_factory=dict, description="query parameters, signed with the URL")


def object_json(info: ObjectInfo) -> dict[str, Any]:
    return {
        "key": info.key,
        "size": info.size,
        "etag": info.etag,
        "last_modified": info.last_modified.isoformat().replace("+00:00", "Z"),
        "content_type": info.content_type,
        "storage_class": info.storage_class,
    }


def bucket_totals(state: EmulatorState, bucket: str) -> tuple[int, int]:
    """(objects, bytes) of a bucket, walking its listing page by page."""
    count = size = 0
    marker = ""
    while True:
        page = state.store.list_objects(bucket, marker=marker, max_keys=MAX_PAGE)
        count += len(page.contents)
        size += sum(obj.size for obj in page.contents)
        if not page.is_truncated or not page.contents:
            return count, size
        marker = page.next_marker or page.contents[-1].key


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Every setting as JSON, with secret keys, session tokens and the admin token masked."""
    out: dict[str, Any] = {}
    for spec in dataclasses.fields(settings):
        value = getattr(settings, spec.name)
        if spec.name == "extra":
            continue
        if spec.name == "keys":
            value = [_key_json(pair) for pair in value]
        elif spec.name == "admin_token":
            value = MASK if value else None
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[spec.name] = value
    return out


def _key_json(pair: KeyPair) -> dict[str, Any]:
    return {
        "secret_id": pair.secret_id,
        "secret_key": MASK,
        "actions": list(pair.actions),
        "token": MASK if pair.token else None,
        "token_expires": pair.token_expires,
    }


def presigned_path(settings: Settings, body: PresignIn, now: float) -> str:
    """A path-style URL (`/<bucket>/<key>?…`, host-relative) signed with the first full-access key."""
    pair = next((k for k in settings.keys if "*" in k.actions), settings.keys[0])
    start = int(now) - 60  # a browser clock a little behind ours must not make the URL "not yet valid"
    fields = presign_query(
        pair.secret_id, pair.secret_key, body.method, "/" + body.key, body.params, {}, start, start + PRESIGN_SECONDS
    )
    query = [*fields, *([("x-cos-security-token", pair.token)] if pair.token else []), *body.params.items()]
    return f"/{quote(body.bucket, safe='')}/{quote(body.key, safe='/')}?{urlencode(query, quote_via=quote)}"


def api_router(state: EmulatorState) -> APIRouter:
    router = APIRouter(prefix="/_emulator")
    store = state.store

    @router.get("/buckets")
    def buckets(totals: bool = True) -> dict[str, Any]:
        out = []
        for bucket in store.list_buckets():
            count, size = bucket_totals(state, bucket.name) if totals else (None, None)
            out.append(
                {"name": bucket.name, "region": bucket.region, "created": bucket.created.isoformat(),
                 "public_read": bucket.public_read, "objects": count, "bytes": size}
            )  # fmt: skip
        return {"buckets": out, "appid": state.settings.appid, "default_bucket": state.settings.default_bucket}

    @router.put("/buckets/{name}", status_code=201)
    def create_bucket(name: str, body: BucketIn | None = None) -> dict[str, Any]:
        if not is_valid_bucket_name(name) or not name.endswith(state.settings.bucket_suffix):
            raise CosError(
                "InvalidBucketName",
                f"{name!r} is not a valid bucket name: <name>-{state.settings.appid}, lower-case letters, digits, '-'.",
            )
        created = store.create_bucket(name, state.settings.region, public_read=bool(body and body.public_read))
        return {"name": created.name, "region": created.region}

    @router.delete("/buckets/{name}")
    def delete_bucket(name: str, force: bool = False) -> dict[str, Any]:
        removed = 0
        if force:  # every object, version, upload and configuration document goes with it
            removed = bucket_totals(state, name)[0]
            store.purge_bucket(name)
        store.delete_bucket(name)
        return {"deleted": name, "objects_deleted": removed}

    @router.get("/buckets/{name}/objects")
    def list_objects(
        name: str, prefix: str = "", delimiter: str = "", marker: str = "",
        max_keys: int = Query(100, ge=1, le=MAX_PAGE),
    ) -> dict[str, Any]:  # fmt: skip
        page = store.list_objects(name, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys)
        next_marker = None
        if page.is_truncated:  # COS gives NextMarker only with a delimiter; the last key is the marker otherwise
            next_marker = page.next_marker or (page.contents[-1].key if page.contents else None)
        return {
            "bucket": name,
            "prefix": prefix,
            "objects": [object_json(obj) for obj in page.contents],
            "prefixes": page.common_prefixes,
            "is_truncated": page.is_truncated,
            "next_marker": next_marker,
        }

    @router.get("/buckets/{name}/metadata")
    def metadata(name: str, key: str) -> dict[str, Any]:
        info = store.head_object(name, key)
        return {
            **object_json(info),
            "crc64": str(info.crc64),  # a string: JSON numbers lose precision past 2**53
            "headers": info.headers,
            "meta": info.meta,
            "tags": [{"key": key, "value": value} for key, value in info.tags],
            "version_id": info.version_id,
        }

    @router.get("/buckets/{name}/render")
    def render(name: str, key: str, page: int = Query(1, ge=1)) -> Response:
        from cos_ocr_emulator.console.frame import render_frame

        info = store.head_object(name, key)
        limit = state.settings.ocr_max_image_bytes
        if info.size > limit:  # the same limit as OCR, checked before reading the bytes
            raise CosError("ImageTooLarge", f"The object is {info.size} bytes; the limit is {limit}.")
        return render_frame(store.read_all(info), state.settings, page)

    @router.post("/presign")
    def presign(body: PresignIn) -> dict[str, Any]:
        return {"url": presigned_path(state.settings, body, time.time()), "expires_in": PRESIGN_SECONDS}

    @router.get("/settings")
    def settings() -> dict[str, Any]:
        return {"settings": masked_settings(state.settings)}

    @router.delete("/ocr-results/entry")
    def remove_canned(
        bucket: str | None = None, key: str | None = None, sha256: str | None = None, detect_url: str | None = None
    ) -> dict[str, Any]:
        removed = state.canned.remove(bucket=bucket, key=key, sha256=sha256, detect_url=detect_url)
        if not removed:
            raise CosError("ResourceNotFound", "No canned OCR result matches.")
        return {"cleared": removed}

    return router
