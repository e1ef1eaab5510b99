"""An example a user can copy: the `cos_emulator` pytest fixture, fault injection and the journal.

Run with `pytest examples/` once the package is installed with its `sdk` extra (see the README's
"Install into your project"); the plugin is registered automatically.
"""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_sdk_retries_through_two_injected_503s(cos_emulator):
    client = cos_emulator.client(retry=3)  # the SDK's default retry policy: up to 3 retries
    image = (FIXTURES / "scan_en.png").read_bytes()
    client.put_object(Bucket=cos_emulator.bucket, Key="inbox/scan.png", Body=image)

    cos_emulator.inject_fault(operation="GetObject", key="inbox/*", status=503, code="SlowDown", times=2)
    response = client.get_object(Bucket=cos_emulator.bucket, Key="inbox/scan.png")

    assert response["Body"].get_raw_stream().read() == image
    gets = cos_emulator.requests(operation="GetObject", key="inbox/scan.png")
    assert [entry["status"] for entry in gets] == [503, 503, 200]
    assert [entry["error_code"] for entry in gets[:2]] == ["SlowDown", "SlowDown"]


def test_each_test_starts_from_a_clean_emulator(cos_emulator):
    client = cos_emulator.client()
    assert client.list_objects(Bucket=cos_emulator.bucket).get("Contents") is None
    assert [entry["operation"] for entry in cos_emulator.requests()] == ["ListObjects"]
