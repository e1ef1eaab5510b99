"""Request and trace ids: COS's shapes, unique, and numbered from 1 in deterministic mode."""

from __future__ import annotations

import base64
import re
import time

from cos_ocr_emulator.ids import FIXED_EPOCH, IdSource


def test_request_ids_have_cos_shape_and_are_unique() -> None:
    ids = IdSource()
    seen = set()
    for n in range(1, 2001):
        raw = base64.b64decode(ids.request_id()).decode()
        match = re.fullmatch(r"([0-9a-f]{8})_([0-9a-f]{6})_([0-9a-f]{4})_(\d+)", raw)
        assert match, raw
        assert abs(int(match.group(1), 16) - time.time()) < 60 and int(match.group(4)) == n
        seen.add(match.group(2) + match.group(3))
    assert len(seen) > 1990  # 40 random bits per id


def test_trace_ids_are_base64_of_64_hex_digits_and_unique() -> None:
    ids = IdSource()
    traces = {ids.trace_id(ids.request_id()) for _ in range(1000)}
    assert len(traces) == 1000
    for trace in list(traces)[:50]:
        assert re.fullmatch(r"[0-9a-f]{64}", base64.b64decode(trace).decode())


def test_deterministic_ids_repeat_after_reset() -> None:
    ids = IdSource(deterministic=True)
    first = [ids.request_id() for _ in range(3)]
    assert base64.b64decode(first[2]).decode() == f"{int(FIXED_EPOCH):08x}_000000_0000_3"
    assert ids.trace_id(first[0]) == base64.b64encode(first[0].encode()).decode()
    ids.reset()
    assert [ids.request_id() for _ in range(3)] == first
