"""The public Python API for tests: start an emulator in-process and get a ready client.

with running_emulator() as emu:
    emu.client.put_object(Bucket=emu.bucket, Key="a.txt", Body=b"hi")
"""

from cos_ocr_emulator.config_values import ConfigError
from cos_ocr_emulator.testing.server import EmulatorStartError, RunningEmulator, running_emulator

__all__ = ["ConfigError", "EmulatorStartError", "RunningEmulator", "running_emulator"]
