"""OCR with the PP-OCR engine switched on, through the official Python SDK against the real CLI.

One server for the whole module, started as users start it (`cos-ocr-emulator --ocr-engine ppocr`,
its own process), so the flag, the extra and the model loading are what is tested. All five types,
isword (one Words entry per Chinese character), word polygons, a PDF page, detect-url, the
quadrilateral polygons in the XML, and the journal naming the engine and the Tesseract fallback.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import unique, vhost
from qcloud_cos import CosConfig, CosS3Client
from test_ocr_sdk import as_list, assert_detection_shape, cer, text_of, truth

from cos_ocr_emulator.testing.server import free_port

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TYPES = ["general", "accurate", "efficient", "fast", "handwriting"]
BUCKET = "examplebucket-1250000000"

pytestmark = pytest.mark.sdk


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        config = CosConfig(
            Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
            Scheme="http", IP="127.0.0.1", Port=port, Timeout=120,
        )  # fmt: skip
        self.client = CosS3Client(config, retry=0)

    def admin(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.endpoint}/_emulator/{path}", timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("ppocr-server") / "stderr.log"
    cmd = [sys.executable, "-m", "cos_ocr_emulator.cli", "--ocr-engine", "ppocr", "--storage", "memory"]
    with open(log, "wb") as err:
        proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ))
    try:
        running = Server(port)
        deadline = time.monotonic() + 60
        while not _healthy(running):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield running
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _healthy(server: Server) -> bool:
    try:
        server.admin("health")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def stored(server: Server) -> dict[str, str]:
    keys = {}
    for name in ["sign_zh.jpg", "scene_zh.jpg", "zh.png", "report.pdf", "line.bmp"]:
        key = f"ppocr/{unique()}/{name}"
        server.client.put_object(Bucket=BUCKET, Key=key, Body=(FIXTURES / name).read_bytes())
        keys[name] = key
    return keys


def journal_for(server: Server, key: str) -> dict[str, Any]:
    entries = [e for e in server.admin("requests")["requests"] if e["key"] == key and e["operation"] == "OCR"]
    return dict(entries[-1])


def test_health_names_the_engine(server: Server) -> None:
    ocr = server.admin("health")["ocr"]
    assert ocr["engine"] == "ppocr" and ocr["engine_version"].startswith("PP-OCRv4")


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_with_isword(server: Server, stored: dict[str, str], kind: str) -> None:
    key = stored["sign_zh.jpg"]
    result = server.client.ci_ocr_process(Bucket=BUCKET, Key=key, Type=kind, Isword=True)
    words = kind in ("general", "accurate")  # isword is honoured only for these (API page)
    detections = as_list(result["TextDetections"])
    for detection in detections:
        assert_detection_shape(detection, words=words)
        if words:  # one Words entry per Chinese character; a number ("500") is one entry
            units = [w["Character"] for w in as_list(detection["Words"])]
            assert "".join(units) == detection["DetectedText"].replace(" ", "")
            assert all(len(u) == 1 or u.isascii() for u in units), units
    assert cer(truth("sign_zh.jpg"), text_of(result)) <= 0.15
    assert journal_for(server, key)["ocr_engine"] == "ppocr"


def test_polygons_are_quadrilaterals_in_the_xml(server: Server, stored: dict[str, str]) -> None:
    result = server.client.ci_ocr_process(Bucket=BUCKET, Key=stored["sign_zh.jpg"])
    for detection in as_list(result["TextDetections"]):
        points = [(int(p["X"]), int(p["Y"])) for p in as_list(detection["Polygon"])]
        slope = math.degrees(math.atan2(points[1][1] - points[0][1], points[1][0] - points[0][0]))
        assert 10 <= slope <= 25, points  # the sign's lines rise about 15°, and so do their polygons


def test_word_polygons(server: Server, stored: dict[str, str]) -> None:
    result = server.client.ci_ocr_process(
        Bucket=BUCKET, Key=stored["scene_zh.jpg"], Type="handwriting", EnableWordPolygon=True
    )
    detections = as_list(result["TextDetections"])
    assert cer(truth("scene_zh.jpg"), text_of(result)) <= 0.10
    for detection in detections:
        polygons = as_list(detection["WordPolygon"])
        assert len(polygons) == len(detection["DetectedText"])  # one per Chinese character
        for polygon in polygons:
            assert set(polygon) == {"LeftTop", "RightTop", "RightBottom", "LeftBottom"}
            assert all(re.fullmatch(r"-?\d+", polygon[c][a]) for c in polygon for a in ("X", "Y"))


def test_pdf_page(server: Server, stored: dict[str, str]) -> None:
    result = server.client.ci_ocr_process(
        Bucket=BUCKET, Key=stored["report.pdf"], Type="general", Ispdf=True, PdfPagenumber=2, Isword=True
    )
    assert result["PdfPageSize"] == "3"
    expected = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
    page = next(f for f in expected["fixtures"] if f["file"] == "report.pdf")["page_texts"][1]
    assert cer(page, text_of(result)) <= 0.05
    words = [w["Character"] for d in as_list(result["TextDetections"]) for w in as_list(d["Words"])]
    assert words[:4] == ["Page", "two", "lists", "the"]


def test_detect_url(server: Server, stored: dict[str, str]) -> None:
    url = f"http://{vhost(BUCKET)}/{quote(stored['zh.png'])}"
    result = server.client.ci_process(Bucket=BUCKET, Key="/", CiProcess="OCR", Params={"detect-url": url})
    assert isinstance(result, dict)
    assert cer(truth("zh.png"), text_of(result)) <= 0.05


def test_languages_ppocr_does_not_read_fall_back_to_tesseract_visibly(server: Server, stored: dict[str, str]) -> None:
    key = stored["line.bmp"]
    result = server.client.ci_ocr_process(Bucket=BUCKET, Key=key, LanguageType="ger")
    assert result["Language"] == "ger"
    assert cer(truth("line.bmp"), text_of(result)) <= 0.05
    entry = journal_for(server, key)
    assert entry["ocr_engine"] == "tesserocr"
    assert entry["ocr_fallback"] == "language-type=ger is not read by ppocr; tesserocr read it"
    server.client.ci_ocr_process(Bucket=BUCKET, Key=key, LanguageType="zh")
    entry = journal_for(server, key)
    assert entry["ocr_engine"] == "ppocr" and entry["ocr_fallback"] is None
