"""The operations of the bucket configuration sub-resources, archive restore, append and symlinks:
one row each (operation, method, target kind, query names that must be present, handler).

Dispatch takes the rows in order, so a row whose query names are a superset of another's comes first
(`?inventory&id=` before `?inventory`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from cos_ocr_emulator.cos import append, config_extras, restore, symlink
from cos_ocr_emulator.cos.config_extras import check_logging_target, check_versioning_enabled
from cos_ocr_emulator.cos.configs import delete_config, get_config, put_config
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.xml.config_spec import ConfigSpec
from cos_ocr_emulator.xml.configs_access import DOMAIN, ENCRYPTION, LOGGING, ORIGIN, REFERER, RESPONSE_CONTROL, WEBSITE
from cos_ocr_emulator.xml.configs_data import (
    INTELLIGENT_TIERING,
    INTELLIGENT_TIERING_V2,
    INVENTORY,
    LIFECYCLE,
    OBJECT_LOCK,
    REPLICATION,
)

Handler = Callable[[Ctx], Awaitable[Response]]
Route = tuple[str, str, str, tuple[str, ...], Handler]


def _crud(noun: str, spec: ConfigSpec, *, delete: bool = True) -> list[Route]:
    q = (spec.name,)
    rows: list[Route] = [(f"PutBucket{noun}", "PUT", "bucket", q, put_config(spec)),
                         (f"GetBucket{noun}", "GET", "bucket", q, get_config(spec))]  # fmt: skip
    if delete:
        rows.append((f"DeleteBucket{noun}", "DELETE", "bucket", q, delete_config(spec)))
    return rows


ROUTES: tuple[Route, ...] = (
    # The referer delete is a PUT with an empty body (the SDKs send no DELETE).
    *_crud("Referer", REFERER, delete=False),
    *_crud("Encryption", ENCRYPTION),
    *_crud("Lifecycle", LIFECYCLE),
    *_crud("Website", WEBSITE),
    ("PutBucketLogging", "PUT", "bucket", ("logging",), put_config(LOGGING, check_logging_target)),
    ("GetBucketLogging", "GET", "bucket", ("logging",), get_config(LOGGING)),
    ("GetBucketInventory", "GET", "bucket", ("inventory", "id"), get_config(INVENTORY)),
    ("ListBucketInventoryConfigurations", "GET", "bucket", ("inventory",), config_extras.list_inventory),
    ("PutBucketInventory", "PUT", "bucket", ("inventory",), put_config(INVENTORY)),
    ("DeleteBucketInventory", "DELETE", "bucket", ("inventory",), delete_config(INVENTORY)),
    ("PostBucketInventory", "POST", "bucket", ("inventory",), config_extras.post_inventory),
    *_crud("Domain", DOMAIN),
    ("PutBucketDomainCertificate", "PUT", "bucket", ("domaincertificate",), config_extras.put_domain_certificate),
    ("GetBucketDomainCertificate", "GET", "bucket", ("domaincertificate",), config_extras.get_domain_certificate),
    (
        "DeleteBucketDomainCertificate",
        "DELETE",
        "bucket",
        ("domaincertificate",),
        config_extras.delete_domain_certificate,
    ),
    ("PutBucketReplication", "PUT", "bucket", ("replication",), put_config(REPLICATION, check_versioning_enabled)),
    ("GetBucketReplication", "GET", "bucket", ("replication",), get_config(REPLICATION)),
    ("DeleteBucketReplication", "DELETE", "bucket", ("replication",), delete_config(REPLICATION)),
    *_crud("IntelligentTiering", INTELLIGENT_TIERING, delete=False),
    (
        "GetBucketIntelligentTieringV2",
        "GET",
        "bucket",
        ("intelligent-tiering", "id"),
        get_config(INTELLIGENT_TIERING_V2),
    ),
    ("ListBucketIntelligentTiering", "GET", "bucket", ("intelligent-tiering",), config_extras.list_intelligent_tiering),
    ("PutBucketIntelligentTieringV2", "PUT", "bucket", ("intelligent-tiering",), put_config(INTELLIGENT_TIERING_V2)),
    (
        "DeleteBucketIntelligentTieringV2",
        "DELETE",
        "bucket",
        ("intelligent-tiering",),
        delete_config(INTELLIGENT_TIERING_V2),
    ),
    # Object lock cannot be switched off once on, so there is no DELETE.
    *_crud("ObjectLock", OBJECT_LOCK, delete=False),
    *_crud("Origin", ORIGIN),
    *_crud("ResponseControl", RESPONSE_CONTROL),
    # Objects
    ("AppendObject", "POST", "object", ("append",), append.append_object),
    ("PostObjectRestore", "POST", "object", ("restore",), restore.restore_object),
    ("PutSymlink", "PUT", "object", ("symlink",), symlink.put_symlink),
    ("GetSymlink", "GET", "object", ("symlink",), symlink.get_symlink),
)
