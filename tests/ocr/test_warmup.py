"""Warm engines: the default language's instances are loaded in the background at start, health
reports the progress, and nothing waits for it (the latency targets are measured in bench/ocr_warm.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio

from cos_ocr_emulator.ocr.warmup import Warmup, sample_page
from cos_ocr_emulator.testing import RunningEmulator, running_emulator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def warmup_state(emu: RunningEmulator) -> dict[str, Any]:
    state: dict[str, Any] = emu.admin("GET", "health")["ocr"]["warmup"]
    return state


def wait_ready(emu: RunningEmulator, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (state := warmup_state(emu))["state"] in ("pending", "warming"):
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    return state


def test_start_does_not_wait_and_the_pool_is_warm_afterwards() -> None:
    with running_emulator(ocr_workers=2, ocr_warm_instances=2) as emu:
        assert warmup_state(emu)["state"] in ("warming", "ready")  # health answers during warm-up
        state = wait_ready(emu)
        assert (state["state"], state["language"], state["instances"], state["error"]) == ("ready", "zh", 2, None)
        assert state["seconds"] > 0
        # count=0 only reports: two idle chi_sim+eng instances wait for the first two calls.
        assert emu.state.ocr.engine.warm("chi_sim+eng", 0) == 2


def test_warm_instances_are_capped_by_the_workers() -> None:
    with running_emulator(ocr_workers=1, ocr_warm_instances=2) as emu:
        assert wait_ready(emu)["instances"] == 1


def test_an_ocr_call_during_warm_up_is_answered() -> None:
    with running_emulator(ocr_workers=2, ocr_warm_instances=2) as emu:
        client = emu.client()
        client.put_object(Bucket=emu.bucket, Key="early.png", Body=(FIXTURES / "scan_en.png").read_bytes())
        result = client.ci_ocr_process(Bucket=emu.bucket, Key="early.png")
        assert "harbour" in str(result).lower()
        assert wait_ready(emu)["state"] == "ready"


def test_warm_up_can_be_turned_off() -> None:
    with running_emulator(ocr_warm_instances=0) as emu:
        assert warmup_state(emu) == {"state": "off", "language": "zh", "instances": 0, "seconds": None, "error": None}


def test_a_failed_warm_up_is_reported_and_does_not_block_requests() -> None:
    def broken() -> Any:
        raise RuntimeError("tessdata is gone")

    warmup = Warmup(2)
    warmup.start(broken, lambda _: None)
    anyio.run(warmup.wait)  # returns once the warm-up gave up, instead of hanging the request
    assert (warmup.health()["state"], warmup.health()["error"]) == ("failed", "tessdata is gone")


def test_the_sample_page_reads_as_its_text(service: Any) -> None:
    from cos_ocr_emulator.ocr.request import OcrRequest

    assert service.recognize_sync(sample_page(), OcrRequest()).text.strip() == "Warm up 2024 OCR"


def test_a_stopped_warm_up_ends_at_its_next_step(service: Any) -> None:
    warmup = Warmup(2)
    warmup.stop()  # the server is shutting down before the warm-up thread got going
    warmup.start(lambda: service, lambda _: None)
    anyio.run(warmup.wait)
    assert (warmup.health()["state"], warmup.health()["instances"]) == ("stopped", 0)
