"""The emulator's own surface under `/_emulator/` (admin API, faults, canned OCR); see `api.py`."""
