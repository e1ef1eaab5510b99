"""The journal never leaks across a reset: entries of a request that was still finishing when reset() was
called (a fault cut its connection) must not appear afterwards (a user's test saw a stale GetObject in 12
of 40 loops)."""

from __future__ import annotations

import time

import pytest
import requests

from cos_ocr_emulator.testing import RunningEmulator, running_emulator


@pytest.fixture(scope="module")
def emu():
    with running_emulator() as running:
        yield running


@pytest.mark.parametrize("action", ["drop", "truncate", "reset"])
def test_no_entry_from_before_a_reset_appears_after_it(emu: RunningEmulator, action: str) -> None:
    client = emu.client()
    stale = 0
    for loop in range(40):
        emu.reset()
        client.put_object(Bucket=emu.bucket, Key="loop.bin", Body=b"x" * 100_000)
        url = client.get_presigned_url(Bucket=emu.bucket, Key="loop.bin", Method="GET")
        emu.inject_fault(action, operation="GetObject", times=1)
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(url, timeout=10).raise_for_status()
        emu.reset()
        first = emu.requests()
        time.sleep(0.06 if loop % 10 == 0 else 0)  # longer than the old post-cut pause, now and then
        later = emu.requests()
        stale += bool(first or later)
    assert stale == 0, f"{stale} of 40 loops saw entries from before the reset"


def test_the_faulted_request_is_journaled_before_the_client_sees_the_cut(emu: RunningEmulator) -> None:
    emu.reset()
    client = emu.client()
    client.put_object(Bucket=emu.bucket, Key="cut.bin", Body=b"x" * 100_000)
    url = client.get_presigned_url(Bucket=emu.bucket, Key="cut.bin", Method="GET")
    for action, status in (("drop", 0), ("truncate", 200), ("reset", 200)):
        emu.clear_requests()
        emu.inject_fault(action, operation="GetObject", times=1)
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(url, timeout=10).raise_for_status()
        [entry] = emu.requests(operation="GetObject")  # at once: no sleep
        assert (entry["status"], entry["fault"]) == (status, action)


def test_a_request_still_running_at_reset_is_not_journaled_after_it(emu: RunningEmulator) -> None:
    """The same race with a wide window: the client gives up on a delayed GET, resets, and the server
    finishes the request afterwards."""
    emu.reset()
    client = emu.client()
    client.put_object(Bucket=emu.bucket, Key="slow.bin", Body=b"x")
    url = client.get_presigned_url(Bucket=emu.bucket, Key="slow.bin", Method="GET")
    emu.inject_fault("delay", operation="GetObject", delay_seconds=0.5, times=1)
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(url, timeout=0.2)
    emu.reset()
    time.sleep(0.6)  # the delayed GetObject has finished by now
    assert emu.requests() == []
