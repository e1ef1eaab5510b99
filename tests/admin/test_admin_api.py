"""The /_emulator/ admin API against a real server: reset to the seed, the journal, faults, tokens."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosClientError, CosServiceError

from cos_ocr_emulator.testing import running_emulator

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed"


def keys(client: CosS3Client, bucket: str) -> list[str]:
    return [c["Key"] for c in client.list_objects(Bucket=bucket).get("Contents", [])]


def test_reset_restores_the_seeded_state() -> None:
    with running_emulator(seed_dir=SEED) as emu:
        client = emu.client()
        assert keys(client, emu.bucket) == ["demo/scan_en.png"]
        assert keys(client, "assets-1250000000") == ["hello.txt"]
        client.put_object(Bucket=emu.bucket, Key="new.txt", Body=b"n")
        client.delete_object(Bucket=emu.bucket, Key="demo/scan_en.png")
        client.put_object(Bucket="assets-1250000000", Key="extra.txt", Body=b"e")
        client.create_bucket(Bucket="scratch-1250000000")

        emu.reset(bucket=emu.bucket)  # one bucket only
        assert keys(client, emu.bucket) == ["demo/scan_en.png"]
        assert keys(client, "assets-1250000000") == ["extra.txt", "hello.txt"]

        emu.reset()  # everything
        assert keys(client, emu.bucket) == ["demo/scan_en.png"]
        assert keys(client, "assets-1250000000") == ["hello.txt"]
        names = [
            b["Name"] for b in emu.client(ServiceDomain=f"127.0.0.1:{emu.port}").list_buckets()["Buckets"]["Bucket"]
        ]
        assert "scratch-1250000000" not in names
        seeded = client.get_object(Bucket=emu.bucket, Key="demo/scan_en.png")
        assert seeded["Content-Type"] == "image/png"
        assert seeded["Body"].get_raw_stream().read() == (SEED / emu.bucket / "demo" / "scan_en.png").read_bytes()


def test_journal_shows_a_failed_signature_with_its_string_to_sign() -> None:
    with running_emulator() as emu:
        bad = emu.client(SecretKey="not-the-key")
        with pytest.raises(CosServiceError):
            bad.get_object(Bucket=emu.bucket, Key="secret.txt")
        entries = emu.requests(status=403)
        assert len(entries) == 1
        entry = entries[0]
        assert entry["error_code"] == "SignatureDoesNotMatch"
        assert entry["auth"] == "refused" and entry["secret_id"] is None
        assert entry["string_to_sign"].startswith("sha1\n")
        assert (entry["method"], entry["key"], entry["operation"]) == ("GET", "secret.txt", "GetObject")
        emu.client().put_object(Bucket=emu.bucket, Key="ok.txt", Body=b"1")
        ok = emu.requests(key="ok.txt")[0]
        assert (ok["status"], ok["auth"], ok["secret_id"]) == (200, "signed", "AKIDLOCALEMULATOR")
        emu.clear_requests()
        assert emu.requests() == []


def test_faults_error_times_then_normal_service() -> None:
    with running_emulator() as emu:
        client = emu.client()
        client.put_object(Bucket=emu.bucket, Key="f/a.txt", Body=b"abc")
        rule = emu.inject_fault(operation="GetObject", key="f/*", status=500, code="InternalError", times=1)
        with pytest.raises(CosServiceError) as info:
            client.get_object(Bucket=emu.bucket, Key="f/a.txt")
        assert (info.value.get_status_code(), info.value.get_error_code()) == (500, "InternalError")
        assert client.get_object(Bucket=emu.bucket, Key="f/a.txt")["Body"].get_raw_stream().read() == b"abc"
        listed = emu.admin("GET", "faults")["faults"]
        assert [(r["id"], r["fired"]) for r in listed] == [(rule["id"], 1)]
        emu.admin("DELETE", f"faults/{rule['id']}")
        assert emu.admin("GET", "faults")["faults"] == []


def test_fault_matching_by_bucket_key_and_operation() -> None:
    with running_emulator() as emu:
        client = emu.client()
        emu.inject_fault(operation="PutObject", key="only/*", status=503, code="SlowDown")
        client.put_object(Bucket=emu.bucket, Key="other/x", Body=b"1")  # not matched
        with pytest.raises(CosServiceError) as info:
            client.put_object(Bucket=emu.bucket, Key="only/x", Body=b"1")
        assert info.value.get_error_code() == "SlowDown"
        client.get_object(Bucket=emu.bucket, Key="other/x")  # other operation
        with pytest.raises(CosServiceError):
            client.head_object(Bucket=emu.bucket, Key="only/x")  # nothing was stored by the failed put


def test_connection_faults_drop_truncate_reset_delay() -> None:
    with running_emulator() as emu:
        client = emu.client()
        body = b"0123456789" * 1000
        client.put_object(Bucket=emu.bucket, Key="c/blob", Body=body)
        url = client.get_presigned_url(Bucket=emu.bucket, Key="c/blob", Method="GET", Expired=600)

        emu.inject_fault("drop", operation="GetObject", times=1)
        with pytest.raises(CosClientError):
            client.get_object(Bucket=emu.bucket, Key="c/blob")

        emu.inject_fault("truncate", operation="GetObject", times=1)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            _ = requests.get(url, timeout=10).content

        emu.inject_fault("reset", operation="GetObject", times=1)
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
            _ = requests.get(url, timeout=10).content

        emu.inject_fault("delay", operation="GetObject", delay_seconds=1.0, times=1)
        started = time.monotonic()
        assert requests.get(url, timeout=10).content == body
        assert time.monotonic() - started >= 1.0  # the injected delay happened (a behaviour, not a benchmark)
        assert requests.get(url, timeout=10).content == body


def test_bad_fault_rules_are_refused() -> None:
    with running_emulator() as emu:
        for rule in ({"action": "explode"}, {"action": "error", "times": 0}):
            response = httpx.post(f"{emu.endpoint}/_emulator/faults", json=rule)
            assert response.status_code == 400, response.text
        assert httpx.post(f"{emu.endpoint}/_emulator/faults", json={"status": "five hundred"}).status_code == 422


def test_admin_token_guards_everything_but_health() -> None:
    with running_emulator(admin_token="s3cret") as emu:
        assert httpx.get(f"{emu.endpoint}/_emulator/health").json()["status"] == "healthy"
        assert httpx.get(f"{emu.endpoint}/_emulator/requests").status_code == 401
        assert httpx.post(f"{emu.endpoint}/_emulator/reset").status_code == 401
        headers = {"Authorization": "Bearer s3cret"}
        assert httpx.get(f"{emu.endpoint}/_emulator/requests", headers=headers).status_code == 200
        emu.reset()  # the helper sends the token


def test_health_reports_engine_languages_and_storage() -> None:
    with running_emulator() as emu:
        health = httpx.get(f"{emu.endpoint}/_emulator/health").json()
        assert health["status"] == "healthy" and health["storage"] == "memory"
        assert "chi_sim" in health["ocr"]["languages"]
        assert health["ocr"]["engine"] in ("tesserocr", "pytesseract")
        assert health["uptime_seconds"] >= 0


def test_admin_prefix_on_a_bucket_domain_is_an_object_key() -> None:
    with running_emulator() as emu:
        client = emu.client()
        client.put_object(Bucket=emu.bucket, Key="_emulator/health", Body=b"just a key")
        got = client.get_object(Bucket=emu.bucket, Key="_emulator/health")["Body"].get_raw_stream().read()
        assert got == b"just a key"


def test_deterministic_mode_numbers_requests_and_fixes_the_clock() -> None:
    with running_emulator(deterministic=True) as emu:
        client = emu.client()
        first = client.put_object(Bucket=emu.bucket, Key="d.txt", Body=b"d")
        second = client.head_object(Bucket=emu.bucket, Key="d.txt")
        import base64

        ids = [base64.b64decode(r["x-cos-request-id"]).decode() for r in (first, second)]
        assert ids[0].endswith("_1") and ids[1].endswith("_2")
        assert second["Last-Modified"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def _versioned_session(data_dir: Path | None = None) -> list[str]:
    """Version ids, a delete marker's id and an upload id from one deterministic session."""
    options: dict[str, Any] = {"storage": "disk", "data_dir": data_dir} if data_dir else {}
    with running_emulator(deterministic=True, **options) as emu:
        client = emu.client()
        client.put_bucket_versioning(Bucket=emu.bucket, Status="Enabled")
        ids = [
            client.put_object(Bucket=emu.bucket, Key="v.txt", Body=body)["x-cos-version-id"] for body in (b"1", b"2")
        ]
        ids.append(client.delete_object(Bucket=emu.bucket, Key="v.txt")["x-cos-version-id"])
        ids.append(client.create_multipart_upload(Bucket=emu.bucket, Key="big.bin")["UploadId"])
        return ids


def test_deterministic_mode_numbers_versions_and_uploads(tmp_path: Path) -> None:
    """Golden files need the same version and upload ids every run, and a restart of a disk store must
    never hand out an id a stored version of the key already has."""
    first, second = _versioned_session(), _versioned_session()
    assert first == second and len(set(first)) == 4
    again = _versioned_session(tmp_path / "data") + _versioned_session(tmp_path / "data")
    assert len(set(again)) == 8


def test_canned_ocr_by_content_hash_and_by_detect_url() -> None:
    import hashlib

    line = {"text": "canned", "confidence": 90, "polygon": [[0, 0], [10, 0], [10, 5], [0, 5]]}
    with running_emulator() as emu:
        client = emu.client()
        body = b"bytes whose hash is canned"
        client.put_object(Bucket=emu.bucket, Key="any/name.png", Body=body)
        emu.canned_ocr({"lines": [line], "language": "kor"}, sha256=hashlib.sha256(body).hexdigest())
        result = client.ci_ocr_process(Bucket=emu.bucket, Key="any/name.png")
        assert (result["TextDetections"]["DetectedText"], result["Language"]) == ("canned", "kor")
        # a detect-url that could never be fetched: the canned answer means no request is made
        url = "http://unreachable.invalid/receipt.jpg"
        emu.canned_ocr({"lines": [line, line], "angle": 90.0}, detect_url=url)
        result = client.ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": url})
        assert [d["DetectedText"] for d in result["TextDetections"]] == ["canned", "canned"]
        assert result["Angel"] == "90.0"
        listed = emu.admin("GET", "ocr-results")["ocr_results"]
        assert {"sha256", "detect_url"} <= {k for entry in listed for k in entry}


def test_bad_canned_results_are_refused() -> None:
    with running_emulator() as emu:
        bad = [
            {"key": "k", "result": {"lines": [{"text": "x", "polygon": [[0, 0]]}]}},  # three points short
            {"key": "k", "result": {"lines": [{"text": "x", "confidence": 101, "polygon": [[0, 0]] * 4}]}},
            {"result": {"lines": []}},  # nothing to match on
            {"key": "k", "sha256": "ab", "result": {"lines": []}},  # two things to match on
        ]
        for body in bad:
            response = httpx.put(f"{emu.endpoint}/_emulator/ocr-results", json=body)
            assert response.status_code == 400, (body, response.text)
