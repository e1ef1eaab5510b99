"""CORS rules and how a request is matched against them (pure; stored as JSON in bucket_configs "cors").

Matching follows COS/S3: the first rule whose AllowedOrigin matches the Origin (one `*` wildcard allowed),
whose AllowedMethod holds the method, and whose AllowedHeader patterns cover every requested header
(case-insensitive) answers the request.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase

METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")


@dataclass(frozen=True)
class CorsRule:
    id: str
    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None


def dump_cors(rules: list[CorsRule], response_vary: bool) -> str:
    return json.dumps({"rules": [asdict(r) for r in rules], "response_vary": response_vary}, ensure_ascii=False)


def load_cors(document: str) -> tuple[list[CorsRule], bool]:
    data = json.loads(document)
    rules = [
        CorsRule(
            id=r["id"],
            origins=tuple(r["origins"]),
            methods=tuple(r["methods"]),
            headers=tuple(r["headers"]),
            expose=tuple(r["expose"]),
            max_age=r["max_age"],
        )
        for r in data["rules"]
    ]
    return rules, bool(data["response_vary"])


def _glob(pattern: str, value: str, *, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    # Only `*` is special in CORS patterns; neutralise fnmatch's other metacharacters.
    escaped = pattern.replace("[", "[[]").replace("?", "[?]")
    return fnmatchcase(value, escaped)


def match(rules: list[CorsRule], origin: str, method: str, request_headers: list[str]) -> CorsRule | None:
    for rule in rules:
        if not any(_glob(o, origin, fold=False) for o in rule.origins):
            continue
        if method not in rule.methods:
            continue
        if all(any(_glob(p, h, fold=True) for p in rule.headers) for h in request_headers):
            return rule
    return None


def allow_origin(rule: CorsRule, origin: str) -> str:
    return "*" if "*" in rule.origins else origin
