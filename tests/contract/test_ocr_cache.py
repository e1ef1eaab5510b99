"""The OCR result cache through the official Python SDK, on a real server with real Tesseract.

Each test starts its own emulator (the session one is shared and its cache would carry hits across
tests). Hits and misses are read from the request journal's `ocr_cache` field, so every assertion is
about what the server did, not about timing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import unique, vhost
from qcloud_cos import CosConfig, CosS3Client

from cos_ocr_emulator.testing import RunningEmulator, running_emulator
from cos_ocr_emulator.testing.server import free_port

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.sdk


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with running_emulator(ocr_warm_instances=0) as running:
        yield running


def put(client: CosS3Client, bucket: str, name: str, key: str | None = None) -> str:
    key = key or f"cache/{unique()}/{name}"
    client.put_object(Bucket=bucket, Key=key, Body=(FIXTURES / name).read_bytes())
    return key


def without_request_id(result: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in result.items() if name != "RequestId"}


def outcomes(emu: RunningEmulator) -> list[str | None]:
    """The `ocr_cache` field of every OCR request in the journal, oldest first."""
    return [entry["ocr_cache"] for entry in emu.requests(operation="OCR")]


def test_repeat_is_a_hit_with_identical_xml(emu: RunningEmulator) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "scan_en.png")
    first = client.ci_ocr_process(Bucket=emu.bucket, Key=key, Isword=True)
    second = client.ci_ocr_process(Bucket=emu.bucket, Key=key, Isword=True)
    assert without_request_id(second) == without_request_id(first)
    assert second["RequestId"] != first["RequestId"]  # the envelope is this request's, only the result is reused
    assert "harbour" in json.dumps(first).lower()
    assert outcomes(emu) == ["miss", "hit"]
    stats = emu.admin("GET", "ocr-cache")
    assert (stats["enabled"], stats["entries"], stats["hits"], stats["misses"]) == (True, 1, 1, 1)


def test_same_bytes_under_another_key_and_bucket_hit(emu: RunningEmulator) -> None:
    client = emu.client()
    other = f"other-{emu.settings.appid}"
    client.create_bucket(Bucket=other)
    first = client.ci_ocr_process(Bucket=emu.bucket, Key=put(client, emu.bucket, "zh.png"))
    again = client.ci_ocr_process(Bucket=emu.bucket, Key=put(client, emu.bucket, "zh.png"))
    elsewhere = client.ci_ocr_process(Bucket=other, Key=put(client, other, "zh.png"))
    assert without_request_id(again) == without_request_id(first) == without_request_id(elsewhere)
    assert outcomes(emu) == ["miss", "hit", "hit"]


def test_overwritten_key_misses(emu: RunningEmulator) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "scan_en.png")
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    put(client, emu.bucket, "zh.png", key=key)
    result = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert result["Language"] == "zh" and "harbour" not in json.dumps(result).lower()
    assert outcomes(emu) == ["miss", "miss"]


def test_every_output_relevant_parameter_is_part_of_the_key(emu: RunningEmulator) -> None:
    client = emu.client()
    image = put(client, emu.bucket, "scan_en.png")
    pdf = put(client, emu.bucket, "report.pdf")
    calls: list[tuple[str, dict[str, Any]]] = [
        (image, {}),
        (image, {"Type": "fast"}),
        (image, {"LanguageType": "auto"}),
        (image, {"Isword": True}),
        (image, {"Type": "handwriting"}),
        (image, {"Type": "handwriting", "EnableWordPolygon": True}),
        (pdf, {"Ispdf": True}),
        (pdf, {"Ispdf": True, "PdfPagenumber": 2}),
    ]
    for key, params in calls:
        client.ci_ocr_process(Bucket=emu.bucket, Key=key, **params)
    assert outcomes(emu) == ["miss"] * len(calls)
    # Parameters a type ignores are not part of the key (the API's rules drop them first): a hit.
    client.ci_ocr_process(Bucket=emu.bucket, Key=image, Type="fast", Isword=True, LanguageType="jap")
    for key, params in calls:
        client.ci_ocr_process(Bucket=emu.bucket, Key=key, **params)
    assert outcomes(emu)[len(calls) :] == ["hit"] * (len(calls) + 1)


def test_reset_clears_the_cache(emu: RunningEmulator) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "photo_en.jpg")
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    emu.reset()
    key = put(client, emu.bucket, "photo_en.jpg")
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert outcomes(emu) == ["miss", "hit"]
    emu.reset(keep_ocr_cache=True)  # what the pytest plugin does before every test
    key = put(client, emu.bucket, "photo_en.jpg")
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert outcomes(emu) == ["hit"]
    assert emu.admin("DELETE", "ocr-cache") == {"cleared": 1}
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert outcomes(emu)[-1] == "miss"
    with pytest.raises(ValueError, match=r"400 .*the only thing a reset can keep is ocr-cache"):
        emu.admin("POST", "reset", params={"keep": "journal"})


def test_the_cache_can_be_turned_off() -> None:
    with running_emulator(ocr_cache=False, ocr_warm_instances=0) as emu:
        client = emu.client()
        key = put(client, emu.bucket, "photo_en.jpg")
        first = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
        second = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
        assert without_request_id(first) == without_request_id(second)
        assert outcomes(emu) == ["off", "off"]
        assert emu.admin("GET", "health")["ocr"]["cache"] == {"enabled": False}


def test_canned_results_win_over_the_cache(emu: RunningEmulator) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "scan_en.png")
    client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    sha = hashlib.sha256((FIXTURES / "scan_en.png").read_bytes()).hexdigest()
    canned = {"lines": [{"text": "canned", "confidence": 99, "polygon": [[0, 0], [9, 0], [9, 9], [0, 9]]}]}
    emu.canned_ocr(canned, sha256=sha)
    result = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert result["TextDetections"]["DetectedText"] == "canned"
    assert outcomes(emu) == ["miss", "canned"]


def test_detect_url_is_cached_by_content_never_by_url(emu: RunningEmulator) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "scan_en.png")
    url = f"http://{vhost(emu.bucket)}/{quote(key)}"
    by_url = client.ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": url})
    by_key = client.ci_ocr_process(Bucket=emu.bucket, Key=key)  # same bytes, reached another way: a hit
    assert without_request_id(by_key) == without_request_id(by_url)
    put(client, emu.bucket, "zh.png", key=key)  # the same URL now serves other bytes: a miss
    changed = client.ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": url})
    assert changed["Language"] == "zh" and "harbour" not in json.dumps(changed).lower()
    assert outcomes(emu) == ["miss", "hit", "miss"]


def test_eviction_by_size_is_least_recently_used() -> None:
    names = ["handwriting.jpg", "photo_en.jpg", "tiny_text.png"]
    size = {}
    with running_emulator(ocr_warm_instances=0) as probe:  # how big is each stored result?
        client = probe.client()
        for name in names:
            before = probe.admin("GET", "ocr-cache")["bytes"]
            client.ci_ocr_process(Bucket=probe.bucket, Key=put(client, probe.bucket, name))
            size[name] = probe.admin("GET", "ocr-cache")["bytes"] - before
    first, second, third = names
    # Room for the first plus either other one, never all three.
    limit = size[first] + max(size[second], size[third])
    with running_emulator(ocr_warm_instances=0, ocr_cache_max_bytes=limit) as emu:
        client = emu.client()
        keys = {name: put(client, emu.bucket, name) for name in names}
        for name in [first, second, first, third]:  # miss, miss, hit (first is now the most recent), miss
            client.ci_ocr_process(Bucket=emu.bucket, Key=keys[name])
        stats = emu.admin("GET", "ocr-cache")
        assert stats["bytes"] <= stats["max_bytes"] == limit and stats["entries"] == 2
        client.ci_ocr_process(Bucket=emu.bucket, Key=keys[first])  # kept
        client.ci_ocr_process(Bucket=emu.bucket, Key=keys[second])  # evicted, the least recently used
        assert outcomes(emu) == ["miss", "miss", "hit", "miss", "hit", "miss"]


def test_access_log_shows_the_outcome(caplog: pytest.LogCaptureFixture) -> None:
    level = caplog.at_level(logging.INFO, logger="cos_ocr_emulator.access")
    with level, running_emulator(ocr_warm_instances=0, log_format="json") as emu:
        client = emu.client()
        key = put(client, emu.bucket, "photo_en.jpg")
        client.ci_ocr_process(Bucket=emu.bucket, Key=key)
        client.ci_ocr_process(Bucket=emu.bucket, Key=key)
        client.head_object(Bucket=emu.bucket, Key=key)
    entries = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cos_ocr_emulator.access"]
    assert [e["ocr_cache"] for e in entries if e["key"] == key] == [None, "miss", "hit", None]  # PUT, OCR, OCR, HEAD


# --- durable: the real CLI with disk storage, restarted ------------------------------------------


def start_cli(data_dir: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COS_EMULATOR_OCR_WARM_INSTANCES": "0", **env}
    cmd = [sys.executable, "-m", "cos_ocr_emulator.cli", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None, "the emulator exited at start"
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the emulator did not start")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    proc.send_signal(sig)
    proc.wait(timeout=60)


def journal(port: int) -> list[str | None]:
    entries = httpx.get(f"http://127.0.0.1:{port}/_emulator/requests", params={"operation": "OCR"}).json()
    return [entry["ocr_cache"] for entry in entries["requests"]]


def test_the_cache_survives_a_restart_and_keys_on_the_engine(tmp_path: Path) -> None:
    port = free_port()
    client = CosS3Client(
        CosConfig(Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
                  Scheme="http", IP="127.0.0.1", Port=port, Timeout=120),
        retry=0,
    )  # fmt: skip
    bucket = "examplebucket-1250000000"
    runs = [{}, {}, {"COS_EMULATOR_OCR_ENGINE": "pytesseract"}, {}]
    results = []
    for run, env in enumerate(runs):
        proc = start_cli(tmp_path, port, **env)
        try:
            key = put(client, bucket, "photo_en.jpg")  # a fresh key each run: the cache keys on content
            results.append(without_request_id(client.ci_ocr_process(Bucket=bucket, Key=key)))
            results[-1]["outcome"] = journal(port)
        finally:
            stop(proc, signal.SIGKILL if run == 0 else signal.SIGTERM)  # an answered miss is already stored
    assert [r.pop("outcome") for r in results] == [["miss"], ["hit"], ["miss"], ["hit"]]
    assert results[0] == results[1] == results[3]
    assert (tmp_path / "ocr-cache.sqlite3").is_file()


def test_a_damaged_entry_is_recognized_again(emu: RunningEmulator, caplog: pytest.LogCaptureFixture) -> None:
    client = emu.client()
    key = put(client, emu.bucket, "photo_en.jpg")
    first = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    cache = emu.state.ocr_cache
    with cache._lock:  # the damage a disk or another version could leave behind; no API writes garbage
        cache._db.execute("UPDATE results SET value = x'00'")
    again = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    third = client.ci_ocr_process(Bucket=emu.bucket, Key=key)
    assert without_request_id(again) == without_request_id(first) == without_request_id(third)
    assert outcomes(emu) == ["miss", "miss", "hit"]
    assert "does not decode" in caplog.text


PLUGIN_SUITE = """
import json, os
from pathlib import Path

IMAGE = Path(os.environ["OCR_IMAGE"]).read_bytes()


def read_once(cos_emulator):
    client = cos_emulator.client()
    client.put_object(Bucket=cos_emulator.bucket, Key="shared.png", Body=IMAGE)
    client.ci_ocr_process(Bucket=cos_emulator.bucket, Key="shared.png")
    outcome = [e["ocr_cache"] for e in cos_emulator.requests(operation="OCR")]
    with open(os.environ["OUTCOMES"], "a") as fh:
        fh.write(json.dumps(outcome) + "\\n")


def test_one(cos_emulator):
    read_once(cos_emulator)


def test_two(cos_emulator):
    read_once(cos_emulator)
"""


def test_the_pytest_plugin_keeps_the_cache_across_tests(tmp_path: Path) -> None:
    """Its reset before every test empties the journal and the store, not the OCR cache."""
    (tmp_path / "test_suite.py").write_text(PLUGIN_SUITE)
    outcomes_file = tmp_path / "outcomes.jsonl"
    env = {**os.environ, "OCR_IMAGE": str(FIXTURES / "photo_en.jpg"), "OUTCOMES": str(outcomes_file)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_suite.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    runs = [json.loads(line) for line in outcomes_file.read_text().splitlines()]
    assert runs == [["miss"], ["hit"]]
