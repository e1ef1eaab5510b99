"""pytest plugin (entry point `pytest11`): the `cos_emulator` fixture.

One emulator per test session (memory storage, a free loopback port, a real uvicorn), reset before
every test that uses it. Override `cos_emulator_settings` in a conftest to change settings:

    @pytest.fixture(scope="session")
    def cos_emulator_settings():
        return {"seed_dir": Path("tests/seed"), "sdk_fault_keys": True}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cos_ocr_emulator.testing.server import RunningEmulator, running_emulator


@pytest.fixture(scope="session")
def cos_emulator_settings() -> dict[str, Any]:
    """Settings fields for the session's emulator (override in your conftest)."""
    return {}


@pytest.fixture(scope="session")
def cos_emulator_session(cos_emulator_settings: dict[str, Any]) -> Iterator[RunningEmulator]:
    with running_emulator(**cos_emulator_settings) as emu:
        yield emu


@pytest.fixture
def cos_emulator(cos_emulator_session: RunningEmulator) -> RunningEmulator:
    """A running emulator, reset to its seeded state: `.client()`, `.endpoint`, `.bucket`,
    `.secret_id`/`.secret_key`, `.inject_fault()`, `.canned_ocr()`, `.requests()`."""
    # The OCR result cache survives this reset: a test suite that reads the same fixture images in many
    # tests pays for each recognition once per session (`.reset()` inside a test clears it too).
    cos_emulator_session.reset(keep_ocr_cache=True)
    return cos_emulator_session
