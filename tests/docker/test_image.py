"""The container image, built from the Dockerfile and run without a docker engine (scripts/docker-smoke):
debootstrap base → buildah bud → the emulator inside the image, seeded, healthy, driven by the
Python SDK from outside, SIGTERM during OCR, restart on the same data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_docker_smoke() -> None:
    if os.geteuid() != 0:
        pytest.skip("buildah --isolation chroot and debootstrap need root")
    if shutil.which("apt-get") is None:
        pytest.skip("scripts/docker-smoke installs buildah/debootstrap with apt-get")
    env = {**os.environ, "PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", "scripts/docker-smoke"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500
    )
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    out = proc.stdout
    assert "healthy: " in out
    assert "seeded objects: ['demo/scan_en.png']" in out
    assert "OCR answered after SIGTERM" in out
    assert "graceful shutdown: yes" in out
    assert "docker-smoke: passed" in out
