"""What every handler receives: the parsed request, its record, the body, the store and the app state."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import Receive

from cos_ocr_emulator.asgi import body_chunks
from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.cos.acl_model import DEFAULT, acl_from_headers
from cos_ocr_emulator.cos.conditions import parse_content_md5
from cos_ocr_emulator.cos.sse import sse_headers
from cos_ocr_emulator.cos.tags_header import tags_from_header
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_XML_BODY
from cos_ocr_emulator.record import RequestRecord
from cos_ocr_emulator.request import CosRequest
from cos_ocr_emulator.storage.facade import AsyncStore
from cos_ocr_emulator.storage.models import NewObject

if TYPE_CHECKING:
    from cos_ocr_emulator.state import EmulatorState

# Headers COS stores with an object and returns on GET/HEAD, by canonical spelling.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
STORAGE_CLASSES = frozenset(
    {"STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE", "INTELLIGENT_TIERING", "MAZ_STANDARD",
     "MAZ_STANDARD_IA", "MAZ_INTELLIGENT_TIERING"}
)  # fmt: skip


@dataclass
class Ctx:
    req: CosRequest
    record: RequestRecord
    receive: Receive
    store: AsyncStore
    settings: Settings
    state: EmulatorState

    @property
    def request_id(self) -> str:
        return self.record.request_id

    def body_stream(self) -> AsyncIterator[bytes]:
        return body_chunks(self.receive)

    async def body_bytes(self, limit: int = MAX_XML_BODY) -> bytes:
        """Small request bodies (configurations, Complete, multi-delete, restore): anything larger than
        `limit` is refused, and a body that does not match its Content-MD5 is BadDigest (the SDKs send
        one with every configuration)."""
        expected = parse_content_md5(self.req.header("content-md5"))
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.body_stream():
            size += len(chunk)
            if size > limit:
                raise CosError("EntityTooLarge", f"This request body may be at most {limit} bytes.")
            chunks.append(chunk)
        body = b"".join(chunks)
        if expected is not None and (got := hashlib.md5(body, usedforsecurity=False).hexdigest()) != expected:
            raise CosError("BadDigest", f"Content-MD5 is {expected} but the body's MD5 is {got}.")
        return body

    def new_object(self) -> NewObject:
        """Content type, stored headers, x-cos-meta-*, ACL (x-cos-acl, x-cos-grant-*) and x-cos-tagging
        from the request headers; a bad value is refused before any byte is stored."""
        storage_class = (self.req.header("x-cos-storage-class") or "STANDARD").upper()
        if storage_class not in STORAGE_CLASSES:
            raise CosError("InvalidArgument", f"x-cos-storage-class {storage_class!r} is not a COS storage class.")
        stored = {name: value for name in STORED_HEADERS if (value := self.req.header(name))}
        # A metadata read (microseconds): the synchronous store is fine here.
        stored.update(sse_headers(self.req.headers, self.store.sync.get_bucket_config(self.req.bucket, "encryption")))
        meta = {name: value for name, value in self.req.headers.items() if name.startswith("x-cos-meta-")}
        return NewObject(
            content_type=self.req.header("content-type") or "application/octet-stream",
            storage_class=storage_class,
            headers=stored,
            meta=meta,
            acl=acl_from_headers(self.req.headers, for_object=True) or DEFAULT,
            tags=tags_from_header(self.req.header("x-cos-tagging")),
        )
