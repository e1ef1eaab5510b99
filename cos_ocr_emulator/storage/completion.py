"""CompleteMultipartUpload rules: which listed parts are acceptable, and the multipart ETag. Pure."""

from __future__ import annotations

import hashlib
import itertools

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MIN_PART_SIZE
from cos_ocr_emulator.storage.meta import PartRow


def _bare_etag(etag: str) -> str:
    return etag.strip().strip('"').lower()


def multipart_etag(part_md5_hexes: list[str]) -> str:
    """'"' + md5(concatenated binary part MD5s) + '-' + part count + '"', as COS/S3 compute it."""
    digest = hashlib.md5(b"".join(bytes.fromhex(m) for m in part_md5_hexes), usedforsecurity=False)
    return f'"{digest.hexdigest()}-{len(part_md5_hexes)}"'


def check_completion(listed: list[tuple[int, str]], stored: dict[int, PartRow]) -> list[PartRow]:
    """Validate a CompleteMultipartUpload part list; returns the chosen parts in order."""
    if not listed:
        raise CosError("InvalidRequest", "You must specify at least one part.")
    numbers = [n for n, _ in listed]
    if any(b <= a for a, b in itertools.pairwise(numbers)):
        raise CosError("InvalidPartOrder")
    chosen: list[PartRow] = []
    for number, etag in listed:
        row = stored.get(number)
        if row is None or _bare_etag(etag) != row.md5_hex:
            raise CosError("InvalidPart")
        chosen.append(row)
    if any(row.info.size < MIN_PART_SIZE for row in chosen[:-1]):
        raise CosError("EntityTooSmall")
    return chosen
