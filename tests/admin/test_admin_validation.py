"""The admin API validates operation names (a typo must not make a fault rule or a journal filter that
silently never matches), and its defaults are the Python helper's defaults."""

from __future__ import annotations

import inspect

import httpx
import pytest

from cos_ocr_emulator.admin.api import FaultIn
from cos_ocr_emulator.admin.faults import FaultRule
from cos_ocr_emulator.testing import RunningEmulator, running_emulator


@pytest.fixture(scope="module")
def emu():
    with running_emulator() as running:
        yield running


def test_fault_rule_with_a_misspelt_operation_is_400_listing_the_valid_names(emu: RunningEmulator) -> None:
    response = httpx.post(f"{emu.endpoint}/_emulator/faults", json={"action": "error", "operation": "GetObjcet"})
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "GetObjcet" in message and "GetObject" in message and "PutObject" in message and "OCR" in message
    assert httpx.get(f"{emu.endpoint}/_emulator/faults").json()["faults"] == []


def test_journal_filter_with_a_misspelt_operation_is_400(emu: RunningEmulator) -> None:
    response = httpx.get(f"{emu.endpoint}/_emulator/requests", params={"operation": "GetObjcet"})
    assert response.status_code == 400, response.text
    assert "GetObject" in response.json()["message"]
    assert httpx.get(f"{emu.endpoint}/_emulator/requests", params={"operation": "GetObject"}).status_code == 200


def test_the_python_helper_reports_the_servers_message(emu: RunningEmulator) -> None:
    with pytest.raises(ValueError, match=r"GetObjcet.*GetObject"):
        emu.inject_fault(operation="GetObjcet")
    with pytest.raises(ValueError, match="GetObjcet"):
        emu.requests(operation="GetObjcet")


def test_rest_and_helper_defaults_agree(emu: RunningEmulator) -> None:
    helper_action = inspect.signature(RunningEmulator.inject_fault).parameters["action"].default
    assert FaultIn.model_fields["action"].default == helper_action == "error"
    base = FaultRule(action="error")
    for name in ("status", "code", "message", "delay_seconds", "times", "bucket", "key", "operation"):
        assert FaultIn.model_fields[name].default == getattr(base, name), name
    # the same rule through REST with only an action, and through the helper with nothing
    rest = httpx.post(f"{emu.endpoint}/_emulator/faults", json={"action": "error"}).json()
    helper = emu.inject_fault()
    for field in ("action", "status", "code", "times", "delay_seconds"):
        assert rest[field] == helper[field], field
    emu.clear_faults()


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "ServiceUnavailable"), (404, "NoSuchKey")])
def test_error_fault_code_follows_its_status_unless_given(emu: RunningEmulator, status: int, code: str) -> None:
    assert emu.inject_fault(status=status)["code"] == code
    assert emu.inject_fault(status=status, code="SlowDown")["code"] == "SlowDown"
    emu.clear_faults()
