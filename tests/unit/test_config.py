"""Settings: defaults < TOML file < COS_EMULATOR_* env < flags, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from cos_ocr_emulator.cli import main
from cos_ocr_emulator.config import (
    DEFAULT_SECRET_ID,
    DEFAULT_SECRET_KEY,
    KeyPair,
    Settings,
    load_settings,
    misspelt_env,
    with_fields,
)
from cos_ocr_emulator.config_values import ConfigError


def test_defaults_need_no_configuration() -> None:
    settings = load_settings(env={})
    assert (settings.host, settings.port, settings.data_dir) == ("127.0.0.1", 8080, Path(".cos-emulator-data"))
    assert settings.keys == (KeyPair(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY),)
    assert (DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY) == ("AKIDLOCALEMULATOR", "localemulatorsecretkey")
    assert (settings.appid, settings.region, settings.default_bucket) == (
        "1250000000", "ap-guangzhou", "examplebucket-1250000000",
    )  # fmt: skip
    assert (settings.auth_mode, settings.storage) == ("strict", "disk")


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        'port = 9000\nregion = "ap-beijing"\nauth_mode = "warn"\npublic_buckets = ["pub-1250000000"]\n'
        'keys = [{ secret_id = "A", secret_key = "B", actions = ["name/cos:GetObject"] }]\n'
    )
    from_file = load_settings(config_file=config, env={})
    assert (from_file.port, from_file.region, from_file.auth_mode) == (9000, "ap-beijing", "warn")
    assert from_file.public_buckets == ("pub-1250000000",)
    assert from_file.keys == (KeyPair("A", "B", ("name/cos:GetObject",)),)
    env = {"COS_EMULATOR_PORT": "9100", "COS_EMULATOR_STORAGE": "memory", "COS_EMULATOR_DETERMINISTIC": "1",
           "COS_EMULATOR_KEYS": "X:Y,Z:W"}  # fmt: skip
    from_env = load_settings(config_file=config, env=env)
    assert (from_env.port, from_env.region, from_env.storage, from_env.deterministic) == (
        9100,
        "ap-beijing",
        "memory",
        True,
    )
    assert from_env.keys == (KeyPair("X", "Y"), KeyPair("Z", "W"))
    from_flags = load_settings(config_file=config, env=env, overrides={"port": 9200, "auth_mode": None})
    assert (from_flags.port, from_flags.auth_mode) == (9200, "warn")  # None means "flag not given"
    assert load_settings(env={"COS_EMULATOR_CONFIG": str(config)}).port == 9000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COS_EMULATOR_AUTH_MODE": "sometimes"}, "auth_mode"),
        ({"COS_EMULATOR_STORAGE": "cloud"}, "storage"),
        (
            {"COS_EMULATOR_OCR_ENGINE": "gpt"},
            "ocr_engine from COS_EMULATOR_OCR_ENGINE: 'gpt' is not one of tesseract, tesserocr, pytesseract, ppocr",
        ),
        ({"COS_EMULATOR_PPOCR_THREADS": "-1"}, "ppocr_threads from COS_EMULATOR_PPOCR_THREADS: -1 is negative"),
        ({"COS_EMULATOR_DEFAULT_BUCKET": "nope-99"}, "default_bucket"),
        ({"COS_EMULATOR_PORT": "eighty"}, "port from COS_EMULATOR_PORT: 'eighty' is not a whole number"),
        ({"COS_EMULATOR_OCR_CACHE_MAX_BYTES": "0"}, "ocr_cache_max_bytes from COS_EMULATOR_OCR_CACHE_MAX_BYTES"),
        ({"COS_EMULATOR_OCR_WARM_INSTANCES": "-1"}, "ocr_warm_instances from COS_EMULATOR_OCR_WARM_INSTANCES"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(env=env)


def test_ocr_cache_and_warm_up_settings() -> None:
    defaults = load_settings(env={})
    assert (defaults.ocr_cache, defaults.ocr_cache_max_bytes, defaults.ocr_warm_instances) == (True, 64 * 1024**2, 2)
    env = {"COS_EMULATOR_OCR_CACHE": "false", "COS_EMULATOR_OCR_CACHE_MAX_BYTES": "4096",
           "COS_EMULATOR_OCR_WARM_INSTANCES": "0"}  # fmt: skip
    configured = load_settings(env=env)
    assert (configured.ocr_cache, configured.ocr_cache_max_bytes, configured.ocr_warm_instances) == (False, 4096, 0)


def test_ocr_engine_from_file_env_and_flag(tmp_path: Path) -> None:
    assert load_settings(env={}).ocr_engine == "tesseract"
    config = tmp_path / "engine.toml"
    config.write_text('ocr_engine = "ppocr"\nppocr_threads = 2\n')
    from_file = load_settings(config_file=config, env={})
    assert (from_file.ocr_engine, from_file.ppocr_threads) == ("ppocr", 2)
    env = {"COS_EMULATOR_OCR_ENGINE": "pytesseract"}
    assert load_settings(config_file=config, env=env).ocr_engine == "pytesseract"
    assert load_settings(env=env, overrides={"ocr_engine": "tesserocr"}).ocr_engine == "tesserocr"


def test_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(ValueError, match=r"prot from .*bad.toml:1: unknown setting \(did you mean 'port'\?\)"):
        load_settings(config_file=config, env={})


def test_sources_are_remembered(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text('region = "ap-beijing"\n\n[[keys]]\nsecret_id = "A"\nsecret_key = "B"\n')
    settings = load_settings(config_file=config, env={"COS_EMULATOR_PORT": "1"}, overrides={"storage": "memory"})
    assert settings.keys == (KeyPair("A", "B"),)
    assert settings.source_of("region") == f"{config}:1"
    assert settings.source_of("keys") == f"{config}:3"
    assert settings.source_of("port") == "COS_EMULATOR_PORT"
    assert settings.source_of("storage") == "--storage"
    assert settings.source_of("host") == "the default"


def test_typed_values_from_toml_are_checked_strictly(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    for text, message in [
        ("port = true\n", "port from .*:1: True is not a whole number"),
        ("ocr_workers = 2.5\n", "2.5 is not a whole number"),
        ("deterministic = 1\n", "1 is not a boolean"),
        ("public_buckets = [1]\n", r"\[1\] is not a list of strings"),
        ('keys = [{ secret_id = "A", secret_key = "B", role = "x" }]\n', "unknown key field 'role'"),
        ('keys = [{ secret_id = "A", secret_key = "B", token_expires = "soon" }]\n', "token_expires of 'A'"),
        ('keys = ["A:B", "A:C"]\n', "SecretId 'A' is listed twice"),
        ("keys = []\n", "needs at least one key pair"),
        ("ocr_pdf_dpi = 5\n", r"5 is out of range \(36..1200\)"),
    ]:
        config.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_settings(config_file=config, env={})


def test_strings_and_empty_values(tmp_path: Path) -> None:
    settings = load_settings(
        env={"COS_EMULATOR_ADMIN_TOKEN": "", "COS_EMULATOR_SEED_DIR": "", "COS_EMULATOR_SDK_FAULT_KEYS": "Off"}
    )
    assert (settings.admin_token, settings.seed_dir, settings.sdk_fault_keys) == (None, None, False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"data_dir from --data-dir: .* is a file, not a folder"):
        load_settings(env={}, overrides={"data_dir": str(tmp_path / "file")})
    with pytest.raises(ConfigError, match=r"seed_dir from --seed-dir: .* is not a folder"):
        load_settings(env={}, overrides={"seed_dir": str(tmp_path / "file")})


def test_fields_from_python_are_converted_and_named() -> None:
    settings = with_fields(Settings(storage="memory"), {"seed_dir": "fixtures/seed", "ocr_workers": "2"}, "fixture")
    assert (settings.seed_dir, settings.ocr_workers, settings.storage) == (Path("fixtures/seed"), 2, "memory")
    with pytest.raises(ConfigError, match=r"ocr_workers from fixture\['ocr_workers'\]: 'two'"):
        with_fields(Settings(), {"ocr_workers": "two"}, "fixture")
    with pytest.raises(ConfigError, match="did you mean 'seed_dir'"):
        with_fields(Settings(), {"sed_dir": "x"}, "fixture")


def test_a_misspelt_env_variable_is_named() -> None:
    env = {"COS_EMULATOR_PROT": "9000", "COS_EMULATOR_ENDPOINT": "http://x", "COS_EMULATOR_PORT": "1"}
    assert misspelt_env(env) == ["COS_EMULATOR_PROT is not a setting (did you mean COS_EMULATOR_PORT?); it is ignored"]


def test_cli_reports_configuration_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    assert main(["--config", str(config)]) == 2
    assert "configuration error" in capsys.readouterr().err


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("cos-ocr-emulator 0.1.0")


def test_healthcheck_fails_when_nothing_listens() -> None:
    from cos_ocr_emulator.testing.server import free_port

    assert main(["healthcheck", "--url", f"http://127.0.0.1:{free_port()}/_emulator/health"]) == 1
