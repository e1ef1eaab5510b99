"""The Python SDK's own retry tests (ut/test.py `do_retry_test`, docs/wire-compat.md §8.3) against
`--sdk-fault-keys`: each key's first attempt misbehaves, a retry (`x-cos-sdk-retry: true`) is served
normally, `…l` keys misbehave every time. Expected retry counts and exceptions are the SDK tests' own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosClientError, CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.sdk

# key -> (expected retries with the default client, raises?)
EXPECTED = {
    "200": (0, False), "204": (0, False), "206": (0, False),
    "200r": (0, False), "204r": (0, False), "206r": (0, False),
    "301": (0, False), "302": (0, False), "301r": (0, False), "302r": (0, False),
    "400": (0, True), "403": (0, True), "404": (0, True),
    "400r": (0, True), "403r": (0, True), "404r": (0, True),
    "500l": (3, True),
    "503": (1, False), "503r": (1, False), "504": (1, False), "504r": (1, False),
    "timeout": (1, False), "shutdown": (1, False),
}  # fmt: skip


@pytest.fixture(scope="module")
def faulty() -> Iterator[RunningEmulator]:
    with running_emulator(sdk_fault_keys=True) as emu:
        yield emu


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_retry_counts_match_the_sdk_tests(faulty: RunningEmulator, name: str) -> None:
    retries, raises = EXPECTED[name]
    # The SDK's default client (retry=3). `timeout` hangs 40 s on the server, longer than the SDK's
    # 30 s default; a 2 s client timeout gives the same retry without waiting that long.
    client = CosS3Client(faulty.cos_config(Timeout=2 if name == "timeout" else 30), retry=3)
    if raises:
        with pytest.raises((CosServiceError, CosClientError)):
            client.put_object(Bucket=faulty.bucket, Key=f"retry/{name}", Body=b"a" * 1024)
    else:
        client.put_object(Bucket=faulty.bucket, Key=f"retry/{name}", Body=b"a" * 1024)
    assert client.get_retry_exe_times() == retries


def test_fault_responses_without_r_carry_no_request_id(faulty: RunningEmulator) -> None:
    import requests

    url = faulty.client().get_presigned_url(Bucket=faulty.bucket, Key="retry/503", Method="PUT")
    bare = requests.put(url, data=b"x", timeout=10)
    assert bare.status_code == 503 and "x-cos-request-id" not in bare.headers
    url = faulty.client().get_presigned_url(Bucket=faulty.bucket, Key="retry/503r", Method="PUT")
    with_id = requests.put(url, data=b"x", timeout=10)
    assert with_id.status_code == 503 and with_id.headers["x-cos-request-id"]
    url = faulty.client().get_presigned_url(Bucket=faulty.bucket, Key="plain/503", Method="PUT")
    assert requests.put(url, data=b"x", timeout=10).status_code == 503  # the last segment decides


def test_fault_keys_are_off_by_default() -> None:
    with running_emulator() as emu:
        client = CosS3Client(emu.cos_config(), retry=3)
        client.put_object(Bucket=emu.bucket, Key="retry/503", Body=b"a")
        assert client.get_retry_exe_times() == 0
