"""Configurations about what happens to the data: lifecycle, inventory, replication, intelligent tiering
(v1 and v2) and object lock. Schemas only; see config_spec.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cos_ocr_emulator.xml.config_spec import ENABLED, PROLOG, ConfigSpec, check_bucket_arn, ids, unique
from cos_ocr_emulator.xml.schema import Field, children_named, invalid, malformed, node, text_at, text_of

TRANSITION_CLASSES = ("STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE", "INTELLIGENT_TIERING", "MAZ_STANDARD_IA",
                      "MAZ_INTELLIGENT_TIERING")  # fmt: skip
# Lifecycle dates are midnight (COS and S3 refuse other times), in UTC or with an offset (the Python
# SDK's get_date() sends +08:00).
_MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00(\.0+)?(Z|[+-]\d{2}:\d{2})$")
_TAG = node("Tag", Field("Key", required=True, nonempty=True), Field("Value", required=True))
_TAGS = node("Tag", Field("Key", required=True, nonempty=True), Field("Value", required=True), repeat=True)


# --- lifecycle -------------------------------------------------------------------------------------
_ACTIONS = ("Expiration", "Transition", "NoncurrentVersionExpiration", "NoncurrentVersionTransition",
            "AbortIncompleteMultipartUpload")  # fmt: skip


def _check_date(value: str | None, where: str) -> None:
    if value is not None and not _MIDNIGHT.match(value):
        raise invalid(f"<{where}> must be a date at midnight, e.g. 2030-01-01T00:00:00+08:00, not {value!r}.")


def _exactly_one(element: ET.Element, names: tuple[str, ...], where: str) -> None:
    if sum(1 for n in names if children_named(element, n)) != 1:
        raise malformed(f"<{where}> needs exactly one of {', '.join(f'<{n}>' for n in names)}.")


def _check_lifecycle(root: ET.Element) -> None:
    rules = children_named(root, "Rule")
    if len(rules) > 1000:
        raise invalid("A lifecycle configuration may hold at most 1000 rules.")
    unique(ids(root, "Rule", "ID"), "Rule <ID>")
    for rule in rules:
        if not any(children_named(rule, action) for action in _ACTIONS):
            raise malformed("Each lifecycle <Rule> needs an action (Expiration, Transition, ...).")
        for expiration in children_named(rule, "Expiration"):
            _exactly_one(expiration, ("Date", "Days", "ExpiredObjectDeleteMarker"), "Expiration")
            _check_date(text_at(expiration, "Date"), "Expiration/Date")
        for transition in children_named(rule, "Transition"):
            _exactly_one(transition, ("Date", "Days"), "Transition")
            if not children_named(transition, "StorageClass"):
                raise malformed("<Transition> needs a <StorageClass>.")
            _check_date(text_at(transition, "Date"), "Transition/Date")


_LIFECYCLE_FILTER = node(
    "Filter",
    Field("Prefix"),
    _TAG,
    node(
        "And",
        Field("Prefix"),
        _TAGS,
        Field("PrefixNotEquals"),
        Field("ObjectSizeGreaterThan", kind="int", low=0),
        Field("ObjectSizeLessThan", kind="int", low=0),
    ),
)
LIFECYCLE = ConfigSpec(
    "lifecycle",
    "LifecycleConfiguration",
    (
        node(
            "Rule",
            Field("ID"),
            Field("Status", required=True, choices=ENABLED),
            _LIFECYCLE_FILTER,
            Field("Prefix"),
            node(
                "Transition",
                Field("Date"),
                Field("Days", kind="int", low=0),
                Field("StorageClass", choices=TRANSITION_CLASSES),
                Field("AccessFrequency", kind="any"),
                repeat=True,
            ),
            node(
                "Expiration",
                Field("Date"),
                Field("Days", kind="int", low=1),
                Field("ExpiredObjectDeleteMarker", kind="bool"),
            ),
            node("AbortIncompleteMultipartUpload", Field("DaysAfterInitiation", required=True, kind="int", low=1)),
            node(
                "NoncurrentVersionTransition",
                Field("NoncurrentDays", required=True, kind="int", low=0),
                Field("StorageClass", required=True, choices=TRANSITION_CLASSES),
                Field("AccessFrequency", kind="any"),
                repeat=True,
            ),
            node("NoncurrentVersionExpiration", Field("NoncurrentDays", required=True, kind="int", low=1)),
            required=True,
            repeat=True,
        ),
    ),
    "NoSuchLifecycleConfiguration",
    _check_lifecycle,
)


# --- inventory -------------------------------------------------------------------------------------
INVENTORY_FIELDS = ("Size", "LastModifiedDate", "StorageClass", "ETag", "IsMultipartUploaded", "ReplicationStatus",
                    "Tag", "Crc64", "x-cos-meta-*")  # fmt: skip


def _check_inventory(root: ET.Element) -> None:
    check_bucket_arn(text_at(root, "Destination/COSBucketDestination/Bucket"), "COSBucketDestination/Bucket")
    for fields in children_named(root, "OptionalFields"):
        for item in children_named(fields, "Field"):
            value = text_of(item)
            if value not in INVENTORY_FIELDS and not value.startswith("x-cos-meta-"):
                raise invalid(f"<OptionalFields><Field> {value!r} is not an inventory field.")


def _inventory_fields(*, scheduled: bool) -> tuple[Field, ...]:
    fields = (
        Field("Id", required=True, nonempty=True),
        Field("IncludedObjectVersions", required=True, choices=("All", "Current")),
        node(
            "Filter",
            Field("Prefix"),
            node("And", Field("Prefix"), _TAGS, Field("StorageClass")),
            node("Period", Field("StartTime", kind="int", low=0), Field("EndTime", kind="int", low=0)),
        ),
        node("OptionalFields", Field("Field", repeat=True)),
        node(
            "Destination",
            node(
                "COSBucketDestination",
                Field("Format", required=True, choices=("CSV",)),
                Field("AccountId"),
                Field("Bucket", required=True, nonempty=True),
                Field("Prefix"),
                node("Encryption", Field("SSE-COS")),
                required=True,
            ),
            required=True,
        ),
    )
    if not scheduled:  # POST ?inventory: a one-off job has no schedule and no on/off switch
        return fields
    return (
        *fields,
        Field("IsEnabled", required=True, choices=("true", "false")),
        node("Schedule", Field("Frequency", required=True, choices=("Daily", "Weekly")), required=True),
    )


INVENTORY = ConfigSpec(
    "inventory", "InventoryConfiguration", _inventory_fields(scheduled=True), "NoSuchInventoryConfiguration",
    _check_inventory, keyed_by="id", always=("OptionalFields",),
)  # fmt: skip
INVENTORY_JOB = ConfigSpec(
    "inventory", "InventoryConfiguration", _inventory_fields(scheduled=False), "NoSuchInventoryConfiguration",
    _check_inventory, keyed_by="id",
)  # fmt: skip


# --- replication -----------------------------------------------------------------------------------
def _check_replication(root: ET.Element) -> None:
    unique(ids(root, "Rule", "ID"), "Rule <ID>")
    for rule in children_named(root, "Rule"):
        check_bucket_arn(text_at(rule, "Destination/Bucket"), "Destination/Bucket")


REPLICATION = ConfigSpec(
    "replication",
    "ReplicationConfiguration",
    (
        Field("Role", required=True, nonempty=True),
        node(
            "Rule",
            Field("ID"),
            Field("Status", required=True, choices=ENABLED),
            Field("Priority", kind="int", low=0),
            Field("Prefix"),
            Field("Filter", kind="any"),
            node(
                "Destination",
                Field("Bucket", required=True, nonempty=True),
                Field("StorageClass", choices=("STANDARD", *TRANSITION_CLASSES)),
                Field("EncryptionConfiguration", kind="any"),
                required=True,
            ),
            node("DeleteMarkerReplication", Field("Status", choices=ENABLED)),
            Field("SourceSelectionCriteria", kind="any"),
            required=True,
            repeat=True,
        ),
    ),
    "ReplicationConfigurationnotFoundError",
    _check_replication,
)


# --- intelligent tiering ---------------------------------------------------------------------------
def _check_tiering_v1(root: ET.Element) -> None:
    days = text_at(root, "Transition/Days")
    if days is not None and days not in ("30", "60", "90"):
        raise invalid(f"<Transition><Days> must be 30, 60 or 90, not {days!r}.")
    frequent = text_at(root, "Transition/RequestFrequent")
    if frequent is not None and frequent != "1":
        raise invalid(f"<Transition><RequestFrequent> must be 1, not {frequent!r}.")


_TRANSITION_V1 = node("Transition", Field("Days", required=True, kind="int"), Field("RequestFrequent", kind="int"))
INTELLIGENT_TIERING = ConfigSpec(
    "intelligenttiering",
    "IntelligentTieringConfiguration",
    (Field("Status", required=True, choices=("Enabled", "Suspended")), _TRANSITION_V1),
    "",  # an unconfigured bucket reports the feature suspended with its default transition
    _check_tiering_v1,
    default=PROLOG + "<IntelligentTieringConfiguration><Status>Suspended</Status><Transition><Days>30</Days>"
    "<RequestFrequent>1</RequestFrequent></Transition></IntelligentTieringConfiguration>",
)
INTELLIGENT_TIERING_V2 = ConfigSpec(
    "intelligent-tiering",
    "IntelligentTieringConfiguration",
    (
        Field("Id"),
        Field("Status", required=True, choices=("Enabled", "Disabled", "Suspended")),
        _TRANSITION_V1,
        node(
            "Tiering",
            Field("AccessTier", required=True, choices=("INFREQUENT", "ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS")),
            Field("Days", required=True, kind="int", low=1),
            Field("RequestFrequent", kind="int"),
            repeat=True,
        ),
        node("Filter", Field("Prefix"), _TAGS, node("And", Field("Prefix"), _TAGS)),
    ),
    "NoSuchIntelligentTieringConfiguration",
    keyed_by="id",
)


# --- object lock -----------------------------------------------------------------------------------
OBJECT_LOCK = ConfigSpec(
    "object-lock",
    "ObjectLockConfiguration",
    (
        # Once on, object lock cannot be switched off: Enabled is the only value COS takes.
        Field("ObjectLockEnabled", required=True, choices=("Enabled",)),
        node(
            "Rule", node("DefaultRetention", Field("Days", required=True, kind="int", low=1, high=36500), required=True)
        ),
    ),
    "ObjectLockConfigurationNotFoundError",
)
