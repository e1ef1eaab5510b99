"""The container image, built from the Dockerfile and run without a docker engine (scripts/docker-smoke):
debootstrap base → buildah bud → the emulator inside the image, seeded, healthy, driven by the
Python SDK from outside, SIGTERM during OCR, restart on the same data."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_docker_smoke(fresh_checkout: Path) -> None:
    """Run the way a fresh clone runs it: no .venv, no PYTHON (the script makes its own SDK venv)."""
    if os.geteuid() != 0:
        pytest.skip("buildah --isolation chroot and debootstrap need root")
    if shutil.which("apt-get") is None:
        pytest.skip("scripts/docker-smoke installs buildah/debootstrap with apt-get")
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHON", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "/.venv/" not in p)
    proc = subprocess.run(
        ["bash", "scripts/docker-smoke"], cwd=fresh_checkout, env=env, capture_output=True, text=True, timeout=1500
    )
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    out = proc.stdout
    assert "healthy: " in out
    assert "seeded objects: ['demo/scan_en.png']" in out
    assert "OCR answered after SIGTERM" in out
    assert "graceful shutdown: yes" in out
    assert "docker-smoke: passed" in out
