"""Canned OCR results: a fixed answer for a bucket/key, a content SHA-256 or a detect-url.

A canned result goes through the same serializer as a real one, so a client's parsing can be tested
deterministically (issue: "round-trips through ci_ocr_process exactly"). The JSON shape is the
`OcrResult` model's (`emulator.ocr.result.result_from_json`).
"""

from __future__ import annotations

import threading
from typing import Any


class CannedResults:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_sha: dict[str, dict[str, Any]] = {}
        self._by_url: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, spec: dict[str, Any]) -> dict[str, Any]:
        from emulator.ocr.result import result_from_json

        result = spec["result"]
        result_from_json(result)  # validate now, so a bad shape fails the PUT, not a later OCR call
        bucket, key, sha, url = spec.get("bucket"), spec.get("key"), spec.get("sha256"), spec.get("detect_url")
        chosen = [name for name, value in (("key", key), ("sha256", sha), ("detect_url", url)) if value]
        if len(chosen) != 1:
            raise ValueError("give exactly one of key (with optional bucket), sha256 or detect_url")
        with self._lock:
            if key:
                self._by_key[(bucket or "*", key)] = result
            elif sha:
                self._by_sha[sha.lower()] = result
            else:
                self._by_url[str(url)] = result
        return {"stored": chosen[0]}

    def find(
        self, *, bucket: str | None, key: str | None, sha256: str, detect_url: str | None
    ) -> dict[str, Any] | None:
        with self._lock:
            if detect_url is not None and detect_url in self._by_url:
                return self._by_url[detect_url]
            if key:
                for candidate in ((bucket or "*", key), ("*", key)):
                    if candidate in self._by_key:
                        return self._by_key[candidate]
            return self._by_sha.get(sha256)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            out = [{"bucket": b, "key": k, "result": r} for (b, k), r in self._by_key.items()]
            out += [{"sha256": s, "result": r} for s, r in self._by_sha.items()]
            out += [{"detect_url": u, "result": r} for u, r in self._by_url.items()]
        return out

    def clear(self) -> int:
        with self._lock:
            count = len(self._by_key) + len(self._by_sha) + len(self._by_url)
            self._by_key.clear()
            self._by_sha.clear()
            self._by_url.clear()
        return count
