"""May an unsigned request do this? The bucket policy, the object's ACL and the bucket's ACL decide.

Order (as COS evaluates it for anonymous users): a policy Deny refuses; a policy Allow admits; otherwise
an object's own ACL (`public-read` / `private`) decides for object reads, and an object left at
`default` follows the bucket's ACL. Only reads are ever admitted (docs/deviations.md).
"""

from __future__ import annotations

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.cos.acl import bucket_grants
from cos_ocr_emulator.cos.acl_model import DEFAULT, grants_public, load_acl
from cos_ocr_emulator.cos.policy import POLICY, anonymous_verdict
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.storage.base import Store

_OBJECT_READS = frozenset({"GetObject", "HeadObject"})


def anonymous_read_allowed(
    store: Store, settings: Settings, action: str, operation: str, bucket: str | None, key: str,
    version_id: str | None = None,
) -> bool:  # fmt: skip
    if bucket is None:
        return False
    if bucket in settings.public_buckets:
        return True
    try:
        info = store.get_bucket(bucket)
        grants = bucket_grants(store, bucket)
        policy = store.get_bucket_config(bucket, POLICY)
    except CosError:
        return False
    if policy is not None:
        resource = f"qcs::cos:{info.region}:uid/{settings.appid}:{bucket}/{key}"
        verdict = anonymous_verdict(policy, action, resource)
        if verdict is not None:
            return verdict
    if operation in _OBJECT_READS and key:
        try:
            obj = store.head_object(bucket, key, version_id)
        except CosError:  # missing: the bucket's ACL decides between 404 and 403
            return grants_public(grants, "READ")
        if obj.acl != DEFAULT:
            return grants_public(load_acl(obj.acl), "READ")
    return grants_public(grants, "READ")
