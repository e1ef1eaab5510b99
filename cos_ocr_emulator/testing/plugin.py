"""pytest plugin (entry point `pytest11`): the `cos_emulator` fixture.

One emulator per test session (memory storage, a free loopback port, a real uvicorn), reset before
every test that uses it. Override `cos_emulator_settings` in a conftest to change settings:

    @pytest.fixture(scope="session")
    def cos_emulator_settings():
        return {"seed_dir": "tests/seed", "sdk_fault_keys": True}

A setting that is wrong or a server that cannot start fails the session with the server's own message
(`ConfigError` naming the setting, or `EmulatorStartError`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from cos_ocr_emulator.config import Settings
from cos_ocr_emulator.testing.server import RunningEmulator, running_emulator


@pytest.fixture(scope="session")
def cos_emulator_settings() -> Mapping[str, Any] | Settings:
    """Settings for the session's emulator (override in your conftest): a dict of setting names to
    values (converted like env values: `"seed_dir": "tests/seed"` works) or a whole `Settings`."""
    return {}


@pytest.fixture(scope="session")
def cos_emulator_session(cos_emulator_settings: Mapping[str, Any] | Settings) -> Iterator[RunningEmulator]:
    if isinstance(cos_emulator_settings, Settings):
        started = running_emulator(cos_emulator_settings, source="cos_emulator_settings")
    else:
        started = running_emulator(source="cos_emulator_settings", **cos_emulator_settings)
    with started as emu:
        yield emu


@pytest.fixture
def cos_emulator(cos_emulator_session: RunningEmulator) -> RunningEmulator:
    """A running emulator, reset to its seeded state: `.client()`, `.endpoint`, `.bucket`,
    `.secret_id`/`.secret_key`, `.inject_fault()`, `.canned_ocr()`, `.requests()`."""
    # The OCR result cache survives this reset: a test suite that reads the same fixture images in many
    # tests pays for each recognition once per session (`.reset()` inside a test clears it too).
    cos_emulator_session.reset(keep_ocr_cache=True)
    return cos_emulator_session
