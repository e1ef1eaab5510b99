"""Settings: defaults < TOML file < COS_EMULATOR_* env < flags, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from cos_ocr_emulator.cli import main
from cos_ocr_emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, KeyPair, load_settings


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
        ({"COS_EMULATOR_OCR_ENGINE": "gpt"}, "ocr_engine must be one of tesseract, tesserocr, pytesseract, ppocr"),
        ({"COS_EMULATOR_PPOCR_THREADS": "-1"}, "ppocr_threads"),
        ({"COS_EMULATOR_DEFAULT_BUCKET": "nope-99"}, "default_bucket"),
        ({"COS_EMULATOR_PORT": "eighty"}, "invalid literal"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(env=env)


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
    with pytest.raises(ValueError, match="unknown setting 'prot'"):
        load_settings(config_file=config, env={})


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
