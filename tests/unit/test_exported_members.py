"""The only Python API is emulator.testing: its export list is pinned so it cannot grow by accident."""

import types

import emulator
import emulator.testing


def _public(module: types.ModuleType) -> set[str]:
    # Submodules become attributes once imported; they are not API.
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith(("_", "@")) and not isinstance(value, types.ModuleType)
    }


def test_testing_exports() -> None:
    assert emulator.testing.__all__ == ["RunningEmulator", "running_emulator"]
    assert _public(emulator.testing) == set(emulator.testing.__all__)


def test_package_root_holds_only_the_version() -> None:
    assert _public(emulator) == set()
    assert emulator.__version__ == "0.1.0"
