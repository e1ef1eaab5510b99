"""The public Python API for tests: start an emulator in-process and get a ready client.

with running_emulator() as emu:
    emu.client.put_object(Bucket=emu.bucket, Key="a.txt", Body=b"hi")
"""

from cos_ocr_emulator.testing.server import RunningEmulator, running_emulator

__all__ = ["RunningEmulator", "running_emulator"]
