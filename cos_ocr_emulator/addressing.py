"""Where a request is aimed: (host, raw path) → `Target` (bucket, key, style). Pure.

Every SDK endpoint setting must land somewhere sensible (docs/wire-compat.md §1.5):
- virtual-host `<bucket>-<appid>.cos.<region>.myqcloud.com` (also `.ci.`, `cos.accelerate`,
  `*.tencentcos.cn`, and any custom domain whose first label is `<name>-<appid>`); a COS host names its
  bucket even without the APPID (`receipts.cos.<region>.myqcloud.com`, an SDK call that forgot it), so
  such a request gets NoSuchBucket rather than landing in the default bucket;
- path style `/<bucket>-<appid>/<key>` on a bare host (IP, localhost, the service host);
- anything else on a bare host is a key in the configured default bucket (Python `Domain=` mode and
  Node `Domain:` send no bucket at all).
The path is percent-decoded exactly once, `%2F` included (Go sends `/` inside keys as `%2F`), and is
never normalised: `../x` and `abc/../` are keys like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote_to_bytes

from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_BUCKET_NAME, MAX_KEY_BYTES

ADMIN_PREFIX = "/_emulator/"

_COS_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9-]*)\."
    r"(?:cos|ci|cos-internal|cos-website|pic|picsmall)\.(?P<region>[a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$"
)
_ACCELERATE = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9-]*)\.cos\.accelerate\.(?:myqcloud\.com|tencentcos\.cn)$")
_SERVICE_HOST = re.compile(r"^(?:service\.cos|cos\.(?P<region>[a-z0-9-]+))\.(?:myqcloud\.com|tencentcos\.cn)$")
_CUSTOM_BUCKET_LABEL = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9-]*-\d{5,})$")
# COS bucket name rules: <name>-<appid>, name of lower-case letters, digits and '-', total ≤ 50 chars
# for the name part (the console allows 50 minus the appid in some regions; we accept up to 60 total).
_BUCKET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$")


@dataclass(frozen=True)
class Target:
    kind: Literal["service", "bucket", "object"]
    bucket: str | None
    key: str  # "" for bucket and service targets
    style: Literal["virtual", "path", "default", "service"]
    region: str | None
    # Paths a client may have signed: the key path first, then the full path for path style.
    sign_paths: tuple[str, ...]


def split_host(host: str) -> str:
    """Lower-cased host without port ('[::1]:80' → '::1')."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def decode_path(raw_path: bytes) -> str:
    """Percent-decode once ('%2F' → '/'); undecodable UTF-8 is COS's InvalidURI."""
    try:
        return unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CosError("InvalidURI", "The request path is not valid percent-encoded UTF-8.") from exc


def is_valid_bucket_name(name: str) -> bool:
    return len(name) <= MAX_BUCKET_NAME and bool(_BUCKET_NAME.match(name))


@lru_cache(maxsize=1024)
def bucket_from_host(host: str) -> tuple[str, str | None] | None:
    """The (bucket, region) a host names, or None for a bare host (IP, localhost, service host).
    Cached: a client sends the same few hosts on every request."""
    for pattern in (_ACCELERATE, _COS_HOST):
        match = pattern.match(host)
        if match:
            return match.group("bucket"), match.groupdict().get("region")
    if _SERVICE_HOST.match(host):
        return None
    first, _, rest = host.partition(".")
    if rest and _CUSTOM_BUCKET_LABEL.match(first) and not _is_ip(host):
        return first, None
    return None


def is_admin(host_header: str, path: str) -> bool:
    """`/_emulator` and everything under it, on a bare host only: on a bucket domain it is a key."""
    on_admin_path = path == ADMIN_PREFIX.rstrip("/") or path.startswith(ADMIN_PREFIX)
    return on_admin_path and bucket_from_host(split_host(host_header)) is None


def _is_ip(host: str) -> bool:
    return ":" in host or all(part.isdigit() for part in host.split("."))


def resolve(
    host_header: str,
    raw_path: bytes,
    *,
    default_bucket: str,
    appid: str,
    bucket_exists: Callable[[str], bool],
) -> Target:
    host = split_host(host_header)
    path = decode_path(raw_path or b"/")
    if not path.startswith("/"):
        path = "/" + path
    named = bucket_from_host(host)
    if named is not None:
        bucket, region = named
        return _target(bucket, path[1:], "virtual", region, (path,))
    service, region = _service_host(host)
    first, _, rest = path[1:].partition("/")
    if first and (first.endswith(f"-{appid}") or bucket_exists(first)) and _BUCKET_NAME.match(first):
        return _target(first, rest, "path", region, ("/" + rest, path))
    if service and path == "/":
        return Target("service", None, "", "service", region, ("/",))
    return _target(default_bucket, path[1:], "default", region, (path,))


@lru_cache(maxsize=1024)
def _service_host(host: str) -> tuple[bool, str | None]:
    """Whether `host` is a service host, and the region it names."""
    match = _SERVICE_HOST.match(host)
    return match is not None, match.group("region") if match else None


def _target(
    bucket: str, key: str, style: Literal["virtual", "path", "default"], region: str | None, sign_paths: tuple[str, ...]
) -> Target:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise CosError("KeyTooLong", f"Object keys are limited to {MAX_KEY_BYTES} bytes of UTF-8.")
    return Target("object" if key else "bucket", bucket, key, style, region, sign_paths)
