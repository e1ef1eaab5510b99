"""Fault injection: rules that make matching requests fail the way networks and servers really do.

A rule matches on bucket, key glob and operation, and acts once it has matched: an HTTP status with a
COS error code, a delay (then normal service), a dropped connection (closed, no response), a
truncated body (full Content-Length, half the bytes, then close) or an RST mid-response. `times`
bounds how often it fires (None = forever).

The Python SDK's own retry tests use a failure server keyed by object name (docs/wire-compat.md §8.3);
`sdk_fault_rule` reproduces it when `sdk_fault_keys` is on: the behaviour applies to a first attempt
(no `x-cos-sdk-retry`), and to every attempt for the persistent `…l` keys.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = ("error", "delay", "drop", "truncate", "reset")

# Reason phrases for the bare statuses the SDK fault keys answer with.
_SDK_STATUS_KEYS = {"200", "204", "206", "301", "302", "400", "403", "404", "500", "503", "504"}


@dataclass
class FaultRule:
    action: str
    bucket: str | None = None
    key: str | None = None  # glob, matched against the whole key
    operation: str | None = None  # COS operation name, e.g. GetObject, PutObject, OCR
    status: int = 503
    code: str = ""  # empty: the usual code for `status` (503 ServiceUnavailable, 500 InternalError, ...)
    message: str = ""
    delay_seconds: float = 0.0
    times: int | None = None
    # Bare responses (the SDK fault keys): no XML body, and optionally no x-cos-request-id.
    bare: bool = False
    request_id: bool = True
    id: int = 0
    fired: int = field(default=0)

    def matches(self, bucket: str | None, key: str, operation: str | None) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.bucket is not None and self.bucket != bucket:
            return False
        if self.key is not None and not fnmatch.fnmatchcase(key, self.key):
            return False
        return self.operation is None or self.operation == operation

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultBook:
    """The active rules, in the order they were added; the first match fires."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        if rule.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {rule.action!r}")
        if rule.times is not None and rule.times < 1:
            raise ValueError("times must be at least 1 (or null for forever)")
        if rule.action == "error" and not rule.code:
            rule.code = code_for(rule.status)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self, rule_id: int | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def take(self, bucket: str | None, key: str, operation: str | None) -> FaultRule | None:
        """The first matching rule, counted as fired."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(bucket, key, operation):
                    rule.fired += 1
                    return rule
        return None


def sdk_fault_rule(key: str, is_retry: bool, timeout_seconds: float = 40.0) -> FaultRule | None:
    """The behaviour of the Python SDK's test failure server for an object named `…/<name>`."""
    name = key.rsplit("/", 1)[-1]
    persistent = name.endswith("l") and name[:-1] in _SDK_STATUS_KEYS
    if is_retry and not persistent:
        return None  # retries are served normally ("forwarded to COS" in the SDK's tests)
    if name == "timeout":
        return FaultRule(action="delay", delay_seconds=timeout_seconds)
    if name == "shutdown":
        return FaultRule(action="drop")
    with_id = name.endswith("r")
    base = name[:-1] if (with_id or persistent) else name
    if base not in _SDK_STATUS_KEYS:
        return None
    status = int(base)
    return FaultRule(action="error", status=status, code=code_for(status), bare=status < 400, request_id=with_id)


def code_for(status: int) -> str:
    """The COS error code a fault with this status answers with when the rule names none."""
    known = {400: "InvalidArgument", 403: "AccessDenied", 404: "NoSuchKey", 405: "MethodNotAllowed",
             409: "BucketNotEmpty", 412: "PreconditionFailed", 416: "InvalidRange", 500: "InternalError",
             501: "NotImplemented", 503: "ServiceUnavailable", 504: "GatewayTimeout"}  # fmt: skip
    if status in known:
        return known[status]
    return "InternalError" if status >= 500 else "InvalidRequest" if status >= 400 else ""
