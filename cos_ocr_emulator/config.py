"""Settings: one frozen object built from defaults < TOML file < COS_EMULATOR_* env < flags.

Every field's env name is `COS_EMULATOR_<FIELD NAME IN UPPER CASE>`, and its TOML name is the field
name. Every limit has a default and a comment saying what it guards. Nothing else in the package reads
the environment for settings.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from cos_ocr_emulator.config_values import BadValue, ConfigError, check, convert, toml_line, toml_syntax_problem

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
    # "tesseract" (= "tesserocr": in-process, pooled), "pytesseract" (Tesseract's CLI) or "ppocr"
    # (PP-OCRv4 on ONNX Runtime, the [ppocr] extra; Chinese and English, other languages use Tesseract).
    ocr_engine: str = "tesseract"
    # Threads per PP-OCR model session; 0: the CPU count divided by ocr_workers (at least 1).
    ppocr_threads: int = 0
    # Concurrent OCR jobs; each holds one Tesseract instance. Defaults to the CPU count.
    ocr_workers: int = 0
    # Guards decode memory: images larger than this many bytes are refused (CI: 10 MB for images).
    ocr_max_image_bytes: int = 20 * 1024**2
    # Guards decode memory: width*height above this is refused (decompression bombs).
    ocr_max_pixels: int = 50_000_000
    # PDF rasterization resolution and page-count ceiling.
    ocr_pdf_dpi: int = 200
    ocr_max_pdf_pages: int = 500
    # Results of real recognitions, by content hash and every output-relevant parameter (ocr/cache.py):
    # on/off, and the LRU's size ceiling (stored bytes, under data_dir with disk storage).
    ocr_cache: bool = True
    ocr_cache_max_bytes: int = 64 * 1024**2  # a page costs 0.3-4 KB: room for 15k+ results
    # Tesseract instances for the default language loaded in the background at start (at most
    # ocr_workers), so the first OCR calls do not pay for loading traineddata; 0 turns warm-up off.
    ocr_warm_instances: int = 2
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
    # Where each non-default value came from (a flag, an env variable, file.toml:line), for messages.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def bucket_suffix(self) -> str:
        return f"-{self.appid}"

    def source_of(self, name: str) -> str:
        """Where setting `name` came from, for error messages ("the default" when nobody set it)."""
        return self.sources.get(name, "the default")

    def key_for(self, secret_id: str) -> KeyPair | None:
        for pair in self.keys:
            if pair.secret_id == secret_id:
                return pair
        return None


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name not in ("extra", "sources")}
_TYPES = get_type_hints(Settings)
_KEY_FIELDS = {"secret_id", "secret_key", "actions", "token", "token_expires"}


def _key_pair(item: object) -> KeyPair:
    """One `keys` entry: "id:key" (env shorthand) or a table {secret_id, secret_key, actions, token, ...}."""
    if isinstance(item, KeyPair):
        return item
    if isinstance(item, str):
        sid, colon, key = item.partition(":")
        if not sid.strip():  # never echo what may be a secret
            raise BadValue("an entry has no SecretId (write SecretId:SecretKey)")
        if not colon or not key.strip():
            raise BadValue(f"{sid.strip()!r} has no SecretKey (write SecretId:SecretKey)")
        return KeyPair(sid.strip(), key.strip())
    if not isinstance(item, Mapping):
        raise BadValue(f"{item!r} is neither 'SecretId:SecretKey' nor a table with secret_id and secret_key")
    unknown = sorted(set(item) - _KEY_FIELDS)
    if unknown:
        raise BadValue(f"unknown key field {unknown[0]!r} (known: {', '.join(sorted(_KEY_FIELDS))})")
    secret_id, secret_key = item.get("secret_id"), item.get("secret_key")
    if not isinstance(secret_id, str) or not secret_id or not isinstance(secret_key, str) or not secret_key:
        raise BadValue(f"every key needs a non-empty secret_id and secret_key (this one has {sorted(item)})")
    actions = item.get("actions", ["*"])
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, list | tuple) or not all(isinstance(action, str) for action in actions):
        raise BadValue(f"actions of {secret_id!r} must be a list of strings like 'name/cos:GetObject'")
    token, expires = item.get("token"), item.get("token_expires")
    if token is not None and not isinstance(token, str):
        raise BadValue(f"token of {secret_id!r} must be a string")
    if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int)):
        raise BadValue(f"token_expires of {secret_id!r} must be a Unix time in seconds")
    return KeyPair(secret_id, secret_key, tuple(actions), token=token, token_expires=expires)


def setting_value(name: str, raw: object, source: str) -> object:
    """One setting's typed, checked value; `ConfigError` names the setting and `source`."""
    if name not in _FIELDS:
        close = difflib.get_close_matches(name, _FIELDS, n=1)
        raise ConfigError(name, source, "unknown setting" + (f" (did you mean {close[0]!r}?)" if close else ""))
    try:
        value = convert(_TYPES[name], raw, _key_pair)
    except BadValue as exc:
        raise ConfigError(name, source, str(exc)) from None
    problem = check(name, value)
    if problem is not None:
        raise ConfigError(name, source, problem)
    return value


def _file_values(config_file: Path) -> dict[str, tuple[object, str]]:
    try:
        text = config_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("", f"{config_file}", f"cannot read the config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError("", f"{config_file}", "the config file is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, problem = toml_syntax_problem(str(exc))
        where = f"{config_file}:{line}" if line else f"{config_file}"
        raise ConfigError("", where, f"not valid TOML: {problem}") from None
    values: dict[str, tuple[object, str]] = {}
    for name, raw in data.items():
        line = toml_line(text, name)
        values[name] = (raw, f"{config_file}:{line}" if line else f"{config_file}")
    return values


def load_settings(
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    override_source: Callable[[str], str] = lambda name: "--" + name.replace("_", "-"),
) -> Settings:
    """defaults < config file < environment < explicit overrides (command-line flags; None = not given).

    Raises `ConfigError` (one line: the setting, where its value came from, what is wrong)."""
    env = os.environ if env is None else env
    raw: dict[str, tuple[object, str]] = {}
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(env[ENV_PREFIX + "CONFIG"])
    if config_file is not None:
        raw.update(_file_values(config_file))
    for name in _FIELDS:
        value = env.get(ENV_PREFIX + name.upper())
        if value is not None:
            raw[name] = (value, ENV_PREFIX + name.upper())
    for name, value in (overrides or {}).items():
        if value is not None:
            raw[name] = (value, override_source(name))
    return _build(Settings(), raw)


def misspelt_env(env: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for COS_EMULATOR_* variables that are no setting but nearly spell one (a typo would
    otherwise be ignored without a word; other names are left alone, users may have their own)."""
    env = os.environ if env is None else env
    names = [ENV_PREFIX + name.upper() for name in _FIELDS] + [ENV_PREFIX + "CONFIG"]
    warnings = []
    for variable in sorted(env):
        if variable.startswith(ENV_PREFIX) and variable not in names:
            close = difflib.get_close_matches(variable, names, n=1, cutoff=0.85)
            if close:
                warnings.append(f"{variable} is not a setting (did you mean {close[0]}?); it is ignored")
    return warnings


def with_fields(base: Settings, fields: Mapping[str, Any], source: str) -> Settings:
    """`base` with `fields` (Python values or strings, e.g. a fixture's dict) converted and checked."""
    return _build(base, {name: (value, f"{source}[{name!r}]") for name, value in fields.items()})


def _build(base: Settings, raw: Mapping[str, tuple[object, str]]) -> Settings:
    values: dict[str, Any] = {name: setting_value(name, value, source) for name, (value, source) in raw.items()}
    sources = {**base.sources, **{name: source for name, (_, source) in raw.items()}}
    settings = dataclasses.replace(base, **values, sources=sources)
    if not settings.default_bucket.endswith(settings.bucket_suffix):
        blame = "default_bucket" if "default_bucket" in sources else "appid"
        raise ConfigError(
            blame, sources.get(blame, "the default"),
            f"default_bucket {settings.default_bucket!r} must end with -<appid> (-{settings.appid})",
        )  # fmt: skip
    return settings
