"""The only Python API is cos_ocr_emulator.testing: its export list is pinned so it cannot grow by accident."""

import types

import cos_ocr_emulator
import cos_ocr_emulator.testing


def _public(module: types.ModuleType) -> set[str]:
    # Submodules become attributes once imported; they are not API.
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith(("_", "@")) and not isinstance(value, types.ModuleType)
    }


def test_testing_exports() -> None:
    assert cos_ocr_emulator.testing.__all__ == [
        "ConfigError",
        "EmulatorStartError",
        "RunningEmulator",
        "running_emulator",
    ]
    assert _public(cos_ocr_emulator.testing) == set(cos_ocr_emulator.testing.__all__)


def test_package_root_holds_only_the_version() -> None:
    assert _public(cos_ocr_emulator) == set()
    assert cos_ocr_emulator.__version__ == "0.1.0"
