"""Settings: one frozen object built from defaults < TOML file < COS_EMULATOR_* env < flags.

Every field's env name is `COS_EMULATOR_<FIELD NAME IN UPPER CASE>`, and its TOML name is the field
name. Every limit has a default and a comment saying what it guards. Nothing else in the package reads
the environment for settings.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SECRET_ID = "AKIDLOCALEMULATOR"
DEFAULT_SECRET_KEY = "localemulatorsecretkey"
ENV_PREFIX = "COS_EMULATOR_"


@dataclass(frozen=True)
class KeyPair:
    secret_id: str
    secret_key: str
    # Actions this key may perform: "*" or entries like "name/cos:GetObject", "name/ci:CreateOCRJob".
    actions: tuple[str, ...] = ("*",)
    # Temporary (STS-like) credentials: requests must carry this token in x-cos-security-token.
    token: str | None = None
    # Unix time after which a temporary key's token is rejected with ExpiredToken (None = never).
    token_expires: int | None = None


@dataclass(frozen=True, kw_only=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".cos-emulator-data")
    # "disk" (SQLite + blob files, durable) or "memory" (nothing survives a restart).
    storage: str = "disk"
    appid: str = "1250000000"
    region: str = "ap-guangzhou"
    default_bucket: str = "examplebucket-1250000000"
    # Buckets readable without a signature (GET/HEAD object, list).
    public_buckets: tuple[str, ...] = ()
    keys: tuple[KeyPair, ...] = (KeyPair(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY),)
    # "strict": refuse bad signatures; "warn": accept and log; "off": no auth at all.
    auth_mode: str = "strict"
    # Tolerated clock difference (s) before q-sign-time's start, for clients whose clock runs ahead.
    clock_skew: int = 900
    seed_dir: Path | None = None
    log_format: str = "text"  # "text" or "json"
    log_level: str = "info"
    # Guards memory and disk: the largest single PUT / part accepted (COS: 5 GiB).
    max_object_size: int = 5 * 1024**3
    # --- OCR ---
    ocr_engine: str = "tesserocr"  # "tesserocr" (in-process, pooled) or "pytesseract" (CLI)
    # Concurrent OCR jobs; each holds one Tesseract instance. Defaults to the CPU count.
    ocr_workers: int = 0
    # Guards decode memory: images larger than this many bytes are refused (CI: 10 MB for images).
    ocr_max_image_bytes: int = 20 * 1024**2
    # Guards decode memory: width*height above this is refused (decompression bombs).
    ocr_max_pixels: int = 50_000_000
    # PDF rasterization resolution and page-count ceiling.
    ocr_pdf_dpi: int = 200
    ocr_max_pdf_pages: int = 500
    # Guards workers: one OCR request (queueing included) answers within this many seconds, or fails
    # with ProcessTimeout and its Tesseract job is cancelled.
    ocr_timeout: float = 30.0
    # Guards memory: warm Tesseract instances are kept for this many language sets (LRU), ~30-150 MB each.
    ocr_engine_cache: int = 4
    # On SIGINT/SIGTERM, seconds in-flight requests get to finish before they are cancelled.
    shutdown_grace: float = 10.0
    # detect-url fetching: time, size and redirect caps, and host policy (glob patterns).
    detect_url_timeout: float = 10.0
    detect_url_max_bytes: int = 20 * 1024**2
    detect_url_max_redirects: int = 3
    detect_url_allow_hosts: tuple[str, ...] = ("*",)
    detect_url_deny_hosts: tuple[str, ...] = ()
    # --- test affordances ---
    admin_token: str | None = None
    deterministic: bool = False
    sdk_fault_keys: bool = False
    journal_size: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bucket_suffix(self) -> str:
        return f"-{self.appid}"

    def key_for(self, secret_id: str) -> KeyPair | None:
        for pair in self.keys:
            if pair.secret_id == secret_id:
                return pair
        return None


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}


def _coerce(name: str, raw: Any) -> Any:
    """Turn a TOML value or an env/flag string into the field's type."""
    default = getattr(Settings(), name)
    if name == "keys":
        if isinstance(raw, str):  # JSON, or the "id:key,id:key" shorthand for env vars
            items = json.loads(raw) if raw.lstrip().startswith("[") else [p for p in raw.split(",") if p.strip()]
        else:
            items = raw
        return tuple(_key_pair(item) for item in items)
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):
        if isinstance(raw, str):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return tuple(raw)
    if name in {"data_dir", "seed_dir"}:
        return Path(raw) if raw not in (None, "") else None
    return raw


def _key_pair(item: Any) -> KeyPair:
    if isinstance(item, str):  # "id:key" shorthand for env vars
        sid, _, key = item.partition(":")
        return KeyPair(sid, key)
    actions = item.get("actions", ["*"])
    return KeyPair(
        secret_id=item["secret_id"],
        secret_key=item["secret_key"],
        actions=tuple([actions] if isinstance(actions, str) else actions),
        token=item.get("token"),
        token_expires=item.get("token_expires"),
    )


def load_settings(
    *, config_file: Path | None = None, env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """defaults < config file < environment < explicit overrides (command-line flags)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    config_file = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None)
    if config_file is not None:
        with open(config_file, "rb") as fh:
            data = tomllib.load(fh)
        for name, raw in data.items():
            if name not in _FIELDS:
                raise ValueError(f"{config_file}: unknown setting {name!r}")
            values[name] = _coerce(name, raw)
    for name in _FIELDS:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(name, raw)
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _coerce(name, raw) if isinstance(raw, str) else raw
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if settings.auth_mode not in {"strict", "warn", "off"}:
        raise ValueError(f"auth_mode must be strict, warn or off, not {settings.auth_mode!r}")
    if settings.storage not in {"disk", "memory"}:
        raise ValueError(f"storage must be disk or memory, not {settings.storage!r}")
    if settings.ocr_engine not in {"tesserocr", "pytesseract"}:
        raise ValueError(f"ocr_engine must be tesserocr or pytesseract, not {settings.ocr_engine!r}")
    for name in ("ocr_timeout", "ocr_engine_cache"):
        if getattr(settings, name) <= 0:
            raise ValueError(f"{name} must be greater than 0, not {getattr(settings, name)!r}")
    if settings.shutdown_grace < 0:
        raise ValueError(f"shutdown_grace must be 0 or more, not {settings.shutdown_grace!r}")
    if not settings.default_bucket.endswith(settings.bucket_suffix):
        raise ValueError(f"default_bucket {settings.default_bucket!r} must end with -{settings.appid}")
