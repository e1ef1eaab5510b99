"""The real `cos-ocr-emulator` process with a bad setting: exit status 2, one line on stderr that names the
setting and where its value came from (flag, env variable, file.toml:line), no traceback, no "listening on"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("cos-ocr-emulator")


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COS_EMULATOR_")}
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "cos_ocr_emulator.cli"]
    return subprocess.run(
        [*command, "--storage", "memory", *args], cwd=cwd, env={**clean, **(env or {})},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "listening on" not in proc.stdout
    line = lines[0]
    assert line.startswith("cos-ocr-emulator: "), line
    for part in expected:
        assert part in line, (part, line)
    return line


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--port", "99999"], {}, ["port from --port", "99999", "0..65535"]),
        (["--port", "eighty"], {}, ["port from --port", "'eighty' is not a whole number"]),
        ([], {"COS_EMULATOR_OCR_WORKERS": "two"}, ["ocr_workers from COS_EMULATOR_OCR_WORKERS", "'two'"]),
        (["--seed-dir", "no-such-folder"], {}, ["seed_dir from --seed-dir", "'no-such-folder' does not exist"]),
        ([], {"COS_EMULATOR_KEYS": "AKIDX"}, ["keys from COS_EMULATOR_KEYS", "'AKIDX' has no SecretKey"]),
        ([], {"COS_EMULATOR_KEYS": ":secret"}, ["keys from COS_EMULATOR_KEYS: an entry has no SecretId"]),
        ([], {"COS_EMULATOR_KEYS": "[{"}, ["keys from COS_EMULATOR_KEYS", "not valid JSON"]),
        ([], {"COS_EMULATOR_MAX_OBJECT_SIZE": "-5"}, ["max_object_size from COS_EMULATOR_MAX_OBJECT_SIZE", "-5"]),
        ([], {"COS_EMULATOR_CLOCK_SKEW": "-1"}, ["clock_skew from COS_EMULATOR_CLOCK_SKEW", "-1 is negative"]),
        (["--storage", "cloud"], {}, ["storage from --storage", "'cloud' is not one of disk, memory"]),
        ([], {"COS_EMULATOR_AUTH_MODE": "sometimes"}, ["auth_mode from COS_EMULATOR_AUTH_MODE", "strict, warn, off"]),
        ([], {"COS_EMULATOR_DETECT_URL_DENY_HOSTS": "https://evil.example/"}, ["detect_url_deny_hosts from", "glob"]),
        ([], {"COS_EMULATOR_DETECT_URL_ALLOW_HOSTS": "img[0-9.example"}, ["detect_url_allow_hosts", "unclosed '['"]),
        ([], {"COS_EMULATOR_DETERMINISTIC": "maybe"}, ["deterministic from COS_EMULATOR_DETERMINISTIC", "boolean"]),
        ([], {"COS_EMULATOR_DETECT_URL_TIMEOUT": "soon"}, ["detect_url_timeout from", "'soon' is not a number"]),
        ([], {"COS_EMULATOR_PUBLIC_BUCKETS": "Assets"}, ["public_buckets from", "'Assets' is not a bucket name"]),
        ([], {"COS_EMULATOR_DEFAULT_BUCKET": "photos-99"}, ["default_bucket from", "must end with -<appid>"]),
        ([], {"COS_EMULATOR_APPID": "12ab"}, ["appid from COS_EMULATOR_APPID", "numeric"]),
        (["--log-level", "loud"], {}, ["log_level from --log-level", "'loud'"]),
        (["--host", "no-such-host.invalid"], {}, ["host from --host", "cannot resolve"]),
        (["--host", "192.0.2.1"], {}, ["host from --host", "cannot listen on 192.0.2.1:0"]),
    ],
    ids=[
        "port-range", "port-not-int", "workers-not-int", "seed-dir-missing", "keys-no-secret", "keys-no-id",
        "keys-bad-json", "negative-size", "negative-seconds", "bad-enum-flag", "bad-enum-env", "bad-glob-scheme",
        "bad-glob-bracket", "bad-bool", "bad-float", "bad-bucket-list", "bucket-appid-mismatch", "bad-appid",
        "bad-log-level", "unresolvable-host", "host-not-local",
    ],
)  # fmt: skip
def test_bad_setting_is_one_line_naming_it(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: list[str]
) -> None:
    assert_one_line_error(run_cli([*args, "--port", "0"] if "--port" not in args else args, tmp_path, env), *expected)


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text('port = 9000\nregion = "ap-guangzhou\nauth_mode = "warn"\n')
    line = assert_one_line_error(run_cli(["--config", str(config)], tmp_path), f"{config}:2", "not valid TOML")
    assert "column" in line


def test_bad_value_in_toml_names_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text('# settings\nport = 0\n\nocr_workers = "two"\n')
    assert_one_line_error(run_cli(["--config", str(config)], tmp_path), f"ocr_workers from {config}:4", "'two'")


def test_unknown_toml_setting_suggests_the_right_name(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text("prot = 9000\n")
    assert_one_line_error(run_cli(["--config", str(config)], tmp_path), f"prot from {config}:1", "did you mean 'port'")


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    env = {"COS_EMULATOR_CONFIG": str(tmp_path / "absent.toml")}
    assert_one_line_error(run_cli(["--port", "0"], tmp_path, env), "absent.toml", "cannot read the config file")


def test_unknown_flag_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(["--prot", "9000"], tmp_path), "--help")


def test_port_in_use_is_reported_before_listening(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = assert_one_line_error(run_cli(["--port", str(port)], tmp_path), "port from --port", "already in use")
    assert f"127.0.0.1:{port}" in line


def test_unloadable_seed_folder_names_seed_dir(tmp_path: Path) -> None:
    (tmp_path / "seed" / "NotABucket").mkdir(parents=True)
    proc = run_cli(["--port", "0"], tmp_path, {"COS_EMULATOR_SEED_DIR": str(tmp_path / "seed")})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "listening on" not in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("cos-ocr-emulator: configuration error: seed_dir from COS_EMULATOR_SEED_DIR: "), last
    assert "'NotABucket' is not a bucket name" in last


def test_port_zero_listens_on_a_free_port_and_says_which(tmp_path: Path) -> None:
    """ "listening on" comes once the socket is bound and startup completed: the server answers at once."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COS_EMULATOR_")}
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "cos_ocr_emulator.cli"]
    proc = subprocess.Popen(
        [*command, "--storage", "memory", "--port", "0"], cwd=tmp_path, env=clean,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert " listening on 127.0.0.1:" in first, first
        port = int(first.split("listening on 127.0.0.1:")[1].split()[0])
        assert port != 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
    assert proc.wait() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a graceful stop
