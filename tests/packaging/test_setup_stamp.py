"""`scripts/setup` (which `scripts/run` calls first) skips pip when nothing it installs from changed, and
installs again when pyproject.toml does: run on a copy of the source tree with its own fresh .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]


def sh(*args: str, cwd: Path) -> str:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("COS_EMULATOR_", "VIRTUAL_ENV"))}
    proc = subprocess.run(
        list(args), cwd=cwd, env={**env, "PYTHON": sys.executable}, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_setup_reinstalls_only_when_pyproject_changes(fresh_checkout: Path) -> None:
    if shutil.which("dpkg-query") is None:
        pytest.skip("scripts/setup checks system packages with dpkg")
    tmp_path = fresh_checkout

    assert "setup: installing Python dependencies" in sh("bash", "scripts/setup", cwd=tmp_path)
    assert "setup: Python dependencies up to date" in sh("bash", "scripts/setup", cwd=tmp_path)
    out = sh("bash", "scripts/run", "--version", cwd=tmp_path)
    assert "up to date" in out and "cos-ocr-emulator 0.1.0" in out

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.1.1"', 1))
    assert "setup: installing Python dependencies" in sh("bash", "scripts/setup", cwd=tmp_path)
    version = "import importlib.metadata as m; print(m.version('cos-ocr-emulator'))"
    assert sh(str(tmp_path / ".venv/bin/python"), "-c", version, cwd=tmp_path).strip() == "0.1.1"
    assert "setup: Python dependencies up to date" in sh("bash", "scripts/setup", cwd=tmp_path)
