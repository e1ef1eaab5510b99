"""Installable into a user's project: `python -m build` makes a wheel and an sdist from the source tree,
and each one, installed into a fresh virtualenv, gives the CLI and the pytest plugin.

One venv serves all three installs to keep the cost down (the dependencies come from pip once): first
the wheel (the fixture without the SDK, then with the `[sdk]` extra), then a git URL and the sdist, each
`--force-reinstall --no-deps` over it; the sdist's dependency metadata is checked equal to the wheel's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

# A file where the web console's assets go: proves the package-data globs reach wheel and sdist.
PROBE = "cos_ocr_emulator/console/static/packaging-probe/probe.css"

pytestmark = [pytest.mark.slow]

USER_TESTS = """
import httpx
import pytest


def test_fixture_serves(cos_emulator):
    health = httpx.get(f"{cos_emulator.endpoint}/_emulator/health", timeout=30).json()
    assert health["status"] == "healthy"


def test_client_needs_the_sdk(cos_emulator):
    try:
        import qcloud_cos  # noqa: F401
    except ImportError:
        with pytest.raises(ModuleNotFoundError, match=r"pip install 'cos-ocr-emulator\\[sdk\\]'"):
            cos_emulator.client()
    else:
        client = cos_emulator.client()
        client.put_object(Bucket=cos_emulator.bucket, Key="a.txt", Body=b"from the installed package")
        body = client.get_object(Bucket=cos_emulator.bucket, Key="a.txt")["Body"].get_raw_stream().read()
        assert body == b"from the installed package"
"""


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> str:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("COS_EMULATOR_", "COV_"))}
    env.pop("VIRTUAL_ENV", None)
    # Never the repository: `python -c` there would import its cos_ocr_emulator/, not the installed one.
    proc = subprocess.run(
        [str(arg) for arg in args], cwd=cwd or "/", env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def smoke_cli(bin_dir: Path, workdir: Path) -> None:
    assert run(bin_dir / "cos-ocr-emulator", "--version").startswith("cos-ocr-emulator 0.1.0")
    proc = subprocess.Popen(
        [bin_dir / "cos-ocr-emulator", "--port", "0", "--storage", "memory"], cwd=workdir,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on 127.0.0.1:" in first, first
        port = int(first.split("listening on 127.0.0.1:")[1].split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=30) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()


def user_suite(python: Path, project: Path) -> str:
    """A user's tiny test file, run by the venv's pytest: the plugin comes from the entry point alone."""
    project.mkdir(exist_ok=True)
    (project / "test_with_emulator.py").write_text(USER_TESTS)
    out = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_with_emulator.py", cwd=project)
    assert "2 passed" in out, out
    return out


def installed_file(python: Path, relative: str) -> Path:
    code = f"import cos_ocr_emulator, pathlib; print(pathlib.Path(cos_ocr_emulator.__file__).parent / {relative!r})"
    return Path(run(python, "-c", code).strip())


def requires(python: Path) -> list[str]:
    code = "import importlib.metadata as m; print('\\n'.join(sorted(m.requires('cos-ocr-emulator') or [])))"
    return run(python, "-c", code).split("\n")


def test_wheel_sdist_and_git_url_install_into_a_clean_venv(tmp_path: Path, fresh_checkout: Path) -> None:
    src = fresh_checkout
    (src / PROBE).parent.mkdir(parents=True, exist_ok=True)
    (src / PROBE).write_text("/* packaging probe */\n")
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, src, cwd=src)  # the sdist, then the wheel built from it
    wheel, sdist = next(dist.glob("*.whl")), next(dist.glob("*.tar.gz"))

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("cos_ocr_emulator-0.1.0.dist-info/entry_points.txt").decode()
    assert {PROBE, "cos_ocr_emulator/py.typed", "cos_ocr_emulator/testing/plugin.py"} <= names
    assert not any(name.startswith(("tests/", "fixtures/", "bench/")) for name in names)
    assert "cos-ocr-emulator = cos_ocr_emulator.cli:main" in entry_points
    assert "cos_emulator = cos_ocr_emulator.testing.plugin" in entry_points
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {PROBE, "cos_ocr_emulator/py.typed", "pyproject.toml", "README.md"} <= members

    env_dir = tmp_path / "user-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python, bin_dir = env_dir / "bin" / "python", env_dir / "bin"
    run(python, "-m", "pip", "install", "-q", wheel, "pytest")
    assert installed_file(python, "py.typed").is_file()
    assert installed_file(python, "console/static/packaging-probe/probe.css").is_file()
    smoke_cli(bin_dir, tmp_path)
    user_suite(python, tmp_path / "project")  # without the SDK: .client() says how to get it
    run(python, "-m", "pip", "install", "-q", f"{wheel}[sdk]")
    user_suite(python, tmp_path / "project")  # with it: a put and a get through the fixture's client
    wheel_requires = requires(python)
    assert any(line.startswith("cos-python-sdk-v5") and 'extra == "sdk"' in line for line in wheel_requires)

    # pip install git+<URL>: a commit of the same tree, served by a file:// URL.
    run("git", "init", "-q", "-b", "main", cwd=src)
    run("git", "add", "-A", cwd=src)
    run("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "snapshot", cwd=src)
    run(python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", f"git+file://{src}@main")
    assert installed_file(python, "console/static/packaging-probe/probe.css").is_file()
    assert run(bin_dir / "cos-ocr-emulator", "--version").startswith("cos-ocr-emulator 0.1.0")

    run(python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", sdist)
    assert requires(python) == wheel_requires
    assert installed_file(python, "py.typed").is_file()
    assert installed_file(python, "console/static/packaging-probe/probe.css").is_file()
    smoke_cli(bin_dir, tmp_path)
    user_suite(python, tmp_path / "project")
