"""The pytest plugin as a user's suite meets it: a pytest run in its own process, in a fresh project folder."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.serving import StartupWatch, bind
from cos_ocr_emulator.testing import ConfigError, EmulatorStartError, running_emulator

SEEDED_TEST = """
def test_seeded_object_is_there(cos_emulator):
    body = cos_emulator.client().get_object(Bucket=cos_emulator.bucket, Key="docs/hello.txt")["Body"]
    assert body.get_raw_stream().read() == b"hello"
"""


def run_suite(project: Path, settings: str) -> subprocess.CompletedProcess[str]:
    (project / "conftest.py").write_text(
        f"import pytest\n\n\n@pytest.fixture(scope='session')\ndef cos_emulator_settings():\n    return {settings}\n"
    )
    (project / "test_user.py").write_text(SEEDED_TEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def seed_folder(project: Path) -> None:
    (project / "seed" / "examplebucket-1250000000" / "docs").mkdir(parents=True)
    (project / "seed" / "examplebucket-1250000000" / "docs" / "hello.txt").write_bytes(b"hello")


def test_a_seed_dir_string_works(tmp_path: Path) -> None:
    seed_folder(tmp_path)
    proc = run_suite(tmp_path, '{"seed_dir": "seed", "ocr_workers": "1", "deterministic": "true"}')
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout


def test_a_bad_setting_fails_with_its_name_and_source(tmp_path: Path) -> None:
    proc = run_suite(tmp_path, '{"ocr_workers": "two"}')
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "ocr_workers from cos_emulator_settings['ocr_workers']: 'two' is not a whole number" in proc.stdout


def test_a_server_that_cannot_start_fails_with_the_servers_message(tmp_path: Path) -> None:
    seed_folder(tmp_path)
    (tmp_path / "seed" / "Not_A_Bucket").mkdir()
    proc = run_suite(tmp_path, '{"seed_dir": "seed"}')
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "seed_dir from cos_emulator_settings['seed_dir']: seed folder" in proc.stdout
    assert "'Not_A_Bucket' is not a bucket name ending in -1250000000" in proc.stdout
    assert "the emulator did not start" not in proc.stdout  # the reason, not a generic line


def test_running_emulator_names_a_store_it_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "meta.sqlite3").write_bytes(b"not a database")
    expected = r"data_dir from running_emulator\(\)\['data_dir'\]: .*not a database"
    with pytest.raises(ConfigError, match=expected), running_emulator(storage="disk", data_dir=str(tmp_path)):
        pass


def test_running_emulator_reports_why_startup_failed(tmp_path: Path) -> None:
    # A seed file that cannot be read stops startup inside the server (not in the settings check).
    folder = tmp_path / "examplebucket-1250000000"
    folder.mkdir()
    (folder / "big.bin").write_bytes(b"x" * 2048)
    expected = r"seed_dir from .*: cannot store seed file .*big.bin: EntityTooLarge"
    with pytest.raises(ConfigError, match=expected), running_emulator(seed_dir=tmp_path, max_object_size=1024):
        pass


def test_a_startup_failure_without_a_setting_to_blame_is_one_line() -> None:
    """Any other exception in the app's startup: its type and first line, not uvicorn's traceback."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "lifespan"
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "Traceback ...\n"})
        raise RuntimeError("the engine pool could not start\nsecond line")

    watch = StartupWatch(app)
    server = uvicorn.Server(uvicorn.Config(watch, lifespan="on", log_level="critical"))
    sock = bind(Settings(port=0))
    with sock, contextlib.suppress(SystemExit):
        server.run(sockets=[sock])
    assert not server.started
    assert watch.failure(Settings()) == "RuntimeError: the engine pool could not start"
    assert issubclass(EmulatorStartError, RuntimeError)
