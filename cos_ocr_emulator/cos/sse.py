"""Server-side encryption as a client sees it: which `x-cos-server-side-encryption` an object carries.

COS encrypts at rest and hands the bytes back in clear, so the only visible effect is the header: set on
PUT (or by the bucket's default encryption configuration), stored with the object and echoed on the PUT
response and on every GET/HEAD. The emulator stores the bytes as they are (docs/deviations.md).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.xml.schema import text_at

SSE = "x-cos-server-side-encryption"
SSE_KMS_KEY = "x-cos-server-side-encryption-cos-kms-key-id"
_ALGORITHMS = ("AES256", "cos/kms", "SM4")
# <SSEAlgorithm> of a bucket's default encryption → the header its objects carry.
_BUCKET_DEFAULT = {"AES256": "AES256", "KMS": "cos/kms", "SM4": "SM4"}


def sse_headers(request: Mapping[str, str], bucket_encryption: str | None) -> dict[str, str]:
    """The SSE headers to store with a new object: the request's (validated), else the bucket default's.

    `request` has lower-case names; `bucket_encryption` is the stored ?encryption document or None.
    """
    algorithm = request.get(SSE)
    key_id = request.get(SSE_KMS_KEY)
    if algorithm is None and bucket_encryption is not None:
        root = ET.fromstring(bucket_encryption)
        default = text_at(root, "Rule/ApplyServerSideEncryptionByDefault/SSEAlgorithm") or ""
        algorithm = _BUCKET_DEFAULT.get(default)
        key_id = text_at(root, "Rule/ApplyServerSideEncryptionByDefault/KMSMasterKeyID")
    if algorithm is None:
        if key_id is not None:
            raise CosError("InvalidArgument", f"{SSE_KMS_KEY} needs {SSE}: cos/kms.")
        return {}
    if algorithm not in _ALGORITHMS:
        raise CosError("InvalidArgument", f"{SSE} must be one of {', '.join(_ALGORITHMS)}, not {algorithm!r}.")
    headers = {SSE: algorithm}
    if key_id and algorithm == "cos/kms":
        headers[SSE_KMS_KEY] = key_id
    elif key_id:
        raise CosError("InvalidArgument", f"{SSE_KMS_KEY} is only allowed with {SSE}: cos/kms.")
    return headers


def sse_echo(stored: Mapping[str, str]) -> dict[str, str]:
    """The SSE headers of a stored object, for write responses (PUT, Complete, Copy)."""
    return {name: value for name, value in stored.items() if name in (SSE, SSE_KMS_KEY)}
