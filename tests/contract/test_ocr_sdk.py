"""The OCR endpoint through the official SDKs, on real fixtures with real Tesseract.

Python: `ci_ocr_process` (stored object, always all 7 params) and `ci_process(Key='/', Params={'detect-url'})`
(which parses XML only when the header is spelled exactly `Content-Type: application/xml` and a
`Content-Length` is present, docs/wire-compat.md §4.3 — a dict back proves both). Node: `cos.request`.
Plain HTTP: a presigned OCR URL. Expected codes and messages are literals.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from conftest import assert_cos_error, unique, vhost
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.testing import RunningEmulator, running_emulator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NODE_DIR = Path(__file__).parent / "node"
TYPES = ["general", "accurate", "efficient", "fast", "handwriting"]

pytestmark = pytest.mark.sdk


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def cer(expected: str, got: str) -> float:
    a, b = "".join(expected.split()), "".join(got.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(a), 1)


def text_of(result: dict[str, Any]) -> str:
    return "\n".join(d.get("DetectedText") or "" for d in as_list(result.get("TextDetections")))


def truth(name: str) -> str:
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
    return next(f["text"] for f in manifest["fixtures"] if f["file"] == name)


@pytest.fixture(scope="module")
def stored(emu: RunningEmulator) -> dict[str, str]:
    """Fixtures uploaded once: name -> key."""
    client = emu.client()
    keys = {}
    for name in ["scan_en.png", "photo_en.jpg", "report.pdf", "rot90_en.png", "rot180_en.png", "zh.png",
                 "corrupt.png", "encrypted.pdf", "blank.png", "handwriting.jpg"]:  # fmt: skip
        key = f"ocr/{unique()}/{name}"
        client.put_object(Bucket=emu.bucket, Key=key, Body=(FIXTURES / name).read_bytes())
        keys[name] = key
    return keys


def assert_detection_shape(detection: dict[str, Any], *, words: bool) -> None:
    assert isinstance(detection["DetectedText"], str) and detection["DetectedText"]
    assert 0 <= int(detection["Confidence"]) <= 100
    polygon = as_list(detection["Polygon"])
    assert len(polygon) == 4 and all(re.fullmatch(r"-?\d+", p["X"]) and re.fullmatch(r"-?\d+", p["Y"]) for p in polygon)
    box = detection["ItemPolygon"]
    assert all(re.fullmatch(r"-?\d+", box[k]) for k in ("X", "Y", "Width", "Height"))
    if words:
        entries = as_list(detection["Words"])
        assert entries and all(w["Character"] and re.fullmatch(r"\d+", w["Confidence"]) for w in entries)
        assert all(len(as_list(w["WordCoordPoint"]["WordCoordinate"])) == 4 for w in entries)
    else:
        assert "Words" not in detection


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("isword", [False, True])
def test_ci_ocr_process_png_every_type(emu: RunningEmulator, stored: dict[str, str], kind: str, isword: bool) -> None:
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored["scan_en.png"], Type=kind, Isword=isword)
    assert set(result) >= {"TextDetections", "Language", "Angel", "PdfPageSize", "RequestId"}
    assert result["PdfPageSize"] == "0"
    assert re.fullmatch(r"\d+\.\d+", result["Angel"])
    words = isword and kind in ("general", "accurate")  # isword is honoured only for these (API page)
    for detection in as_list(result["TextDetections"]):
        assert_detection_shape(detection, words=words)
    assert cer(truth("scan_en.png"), text_of(result)) <= (0.10 if kind in ("general", "accurate") else 0.25)


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("isword", [False, True])
def test_ci_ocr_process_jpeg_every_type(emu: RunningEmulator, stored: dict[str, str], kind: str, isword: bool) -> None:
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored["photo_en.jpg"], Type=kind, Isword=isword)
    for detection in as_list(result["TextDetections"]):
        assert_detection_shape(detection, words=isword and kind in ("general", "accurate"))
    assert cer(truth("photo_en.jpg"), text_of(result)) <= 0.25


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("isword", [False, True])
def test_ci_ocr_process_pdf_page_every_type(
    emu: RunningEmulator, stored: dict[str, str], kind: str, isword: bool
) -> None:
    client = emu.client()
    if kind not in ("general", "fast"):
        # The API page honours ispdf only for general and fast; other types cannot read a PDF.
        with pytest.raises(CosServiceError) as info:
            client.ci_ocr_process(Bucket=emu.bucket, Key=stored["report.pdf"], Type=kind, Ispdf=True, Isword=isword)
        assert_cos_error(info.value, 400, "InvalidArgument")
        assert "general or fast" in info.value.get_error_msg()
        return
    result = client.ci_ocr_process(
        Bucket=emu.bucket, Key=stored["report.pdf"], Type=kind, Ispdf=True, PdfPagenumber=2, Isword=isword
    )
    assert int(result["PdfPageSize"]) >= 2
    for detection in as_list(result["TextDetections"]):
        assert_detection_shape(detection, words=isword and kind == "general")


def test_ci_ocr_process_jpeg_photo(emu: RunningEmulator, stored: dict[str, str]) -> None:
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored["photo_en.jpg"], Type="accurate")
    assert cer(truth("photo_en.jpg"), text_of(result)) <= 0.15


@pytest.mark.parametrize("page", [1, 2])
def test_ci_ocr_process_pdf_page(emu: RunningEmulator, stored: dict[str, str], page: int) -> None:
    result = emu.client().ci_ocr_process(
        Bucket=emu.bucket, Key=stored["report.pdf"], Type="general", Ispdf=True, PdfPagenumber=page, Isword=True
    )
    assert int(result["PdfPageSize"]) >= 2
    assert text_of(result).strip()


def test_chinese_text(emu: RunningEmulator, stored: dict[str, str]) -> None:
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored["zh.png"], LanguageType="zh", Isword=True)
    assert cer(truth("zh.png"), text_of(result)) <= 0.15
    # CJK: one Words entry per character
    first = as_list(result["TextDetections"])[0]
    assert all(len(w["Character"]) == 1 for w in as_list(first["Words"]))


@pytest.mark.parametrize(("name", "angle"), [("rot90_en.png", 90.0), ("rot180_en.png", 180.0)])
def test_rotated_pages_read_like_upright(emu: RunningEmulator, stored: dict[str, str], name: str, angle: float) -> None:
    client = emu.client()
    upright = text_of(client.ci_ocr_process(Bucket=emu.bucket, Key=stored["scan_en.png"]))
    result = client.ci_ocr_process(Bucket=emu.bucket, Key=stored[name])
    assert cer(truth(name), text_of(result)) <= cer(truth("scan_en.png"), upright) + 0.03
    assert abs((float(result["Angel"]) - angle + 180) % 360 - 180) < 5, result["Angel"]


def test_handwriting_word_polygons(emu: RunningEmulator, stored: dict[str, str]) -> None:
    result = emu.client().ci_ocr_process(
        Bucket=emu.bucket, Key=stored["handwriting.jpg"], Type="handwriting", EnableWordPolygon=True
    )
    detections = as_list(result["TextDetections"])
    assert detections
    polygons = [p for d in detections for p in as_list(d.get("WordPolygon"))]
    assert polygons and all(set(p) == {"LeftTop", "RightTop", "RightBottom", "LeftBottom"} for p in polygons)


def test_blank_image_gives_an_empty_valid_response(emu: RunningEmulator, stored: dict[str, str]) -> None:
    result = emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored["blank.png"])
    assert "TextDetections" not in result
    assert result["PdfPageSize"] == "0" and result["RequestId"]


def test_detect_url_on_this_emulator_parses_as_a_dict(emu: RunningEmulator, stored: dict[str, str]) -> None:
    url = f"http://{vhost(emu.bucket)}/{quote(stored['scan_en.png'])}"
    result = emu.client().ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": url})
    assert isinstance(result, dict), f"ci_process returned {type(result)}: header spelling or Content-Length is off"
    assert cer(truth("scan_en.png"), text_of(result)) <= 0.10


def test_detect_url_triple_encoded_and_presigned(emu: RunningEmulator, stored: dict[str, str]) -> None:
    client = emu.client()
    presigned = client.get_presigned_download_url(Bucket=emu.bucket, Key=stored["scan_en.png"])
    triple = quote(quote(presigned, safe=""), safe="")
    result = client.ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": triple})
    assert "harbour" in text_of(result).lower()


def test_detect_url_fetched_over_http(emu: RunningEmulator, tmp_path: Path) -> None:
    import http.server
    import threading

    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(FIXTURES))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/scan_en.png"
        result = emu.client().ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": url})
        assert "harbour" in text_of(result).lower()
        with pytest.raises(CosServiceError) as info:
            missing = f"http://127.0.0.1:{server.server_address[1]}/nope.png"
            emu.client().ci_process(Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": missing})
        assert_cos_error(info.value, 400, "ResourceDownloadFailed")
    finally:
        server.shutdown()


def test_presigned_ocr_url_with_plain_http(emu: RunningEmulator, stored: dict[str, str]) -> None:
    url = emu.client().get_presigned_url(
        Bucket=emu.bucket, Key=stored["scan_en.png"], Method="GET", Params={"ci-process": "OCR", "type": "fast"}
    )
    response = requests.get(url, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/xml"
    assert response.headers["Server"] == "tencent-ci"
    assert response.headers["x-cos-request-id"] in response.text
    assert "<TextDetections>" in response.text and "<Angel>" in response.text


def test_raw_xml_integers_are_integers(emu: RunningEmulator, stored: dict[str, str]) -> None:
    url = emu.client().get_presigned_url(
        Bucket=emu.bucket, Key=stored["scan_en.png"], Method="GET", Params={"ci-process": "OCR", "isword": "true"}
    )
    body = requests.get(url, timeout=60).text
    for tag in ("X", "Y", "Width", "Height", "Confidence", "PdfPageSize"):
        values = re.findall(rf"<{tag}>([^<]*)</{tag}>", body)
        assert values and all(re.fullmatch(r"-?\d+", v) for v in values), (tag, values[:5])
    assert re.search(r"<Angel>\d+\.\d+</Angel>", body)


# --- errors -------------------------------------------------------------------------------------

ERROR_CASES = [
    ("scan_en.png", {"Type": "poetry"}, 400, "InvalidArgument"),
    ("scan_en.png", {"LanguageType": "klingon"}, 400, "InvalidArgument"),
    ("report.pdf", {}, 400, "InvalidArgument"),  # a PDF without ispdf=true
    ("report.pdf", {"Ispdf": True, "PdfPagenumber": 99}, 400, "InvalidArgument"),
    ("corrupt.png", {}, 400, "InvalidContent"),
    ("encrypted.pdf", {"Ispdf": True}, 400, "InvalidContent"),
]


@pytest.mark.parametrize(("name", "params", "status", "code"), ERROR_CASES)
def test_bad_input_is_a_cos_service_error(
    emu: RunningEmulator, stored: dict[str, str], name, params, status, code
) -> None:
    with pytest.raises(CosServiceError) as info:
        emu.client().ci_ocr_process(Bucket=emu.bucket, Key=stored[name], **params)
    assert_cos_error(info.value, status, code)


def test_bad_query_values_via_plain_http(emu: RunningEmulator, stored: dict[str, str]) -> None:
    client = emu.client()
    for params in ({"ispdf": "maybe"}, {"pdf-pagenumber": "0"}, {"pdf-pagenumber": "x"}, {"isword": "yes please"}):
        url = client.get_presigned_url(Bucket=emu.bucket, Key=stored["scan_en.png"], Method="GET",
                                       Params={"ci-process": "OCR", **params})  # fmt: skip
        response = requests.get(url, timeout=60)
        assert response.status_code == 400, (params, response.text)
        assert "<Code>InvalidArgument</Code>" in response.text


def test_missing_object_is_no_such_key(emu: RunningEmulator) -> None:
    with pytest.raises(CosServiceError) as info:
        emu.client().ci_ocr_process(Bucket=emu.bucket, Key="ocr/does-not-exist.png")
    assert_cos_error(info.value, 404, "NoSuchKey", "The specified key does not exist.")


def test_detect_url_with_a_bad_scheme(emu: RunningEmulator) -> None:
    with pytest.raises(CosServiceError) as info:
        emu.client().ci_process(
            Bucket=emu.bucket, Key="/", CiProcess="OCR", Params={"detect-url": "file:///etc/passwd"}
        )
    assert_cos_error(info.value, 400, "InvalidArgument")


def test_image_over_the_byte_limit() -> None:
    with running_emulator(ocr_max_image_bytes=10_000) as small:
        client = small.client()
        client.put_object(Bucket=small.bucket, Key="big.png", Body=(FIXTURES / "scan_en.png").read_bytes())
        with pytest.raises(CosServiceError) as info:
            client.ci_ocr_process(Bucket=small.bucket, Key="big.png")
        assert_cos_error(info.value, 400, "ImageTooLarge")
        # nothing stored was touched
        assert client.head_object(Bucket=small.bucket, Key="big.png")["Content-Length"] == str(
            (FIXTURES / "scan_en.png").stat().st_size
        )


@pytest.mark.parametrize("engine", ["tesserocr", "ppocr"])
def test_ocr_timeout_is_a_process_timeout_error_through_the_sdk(engine: str) -> None:
    # 50 ms is less than decoding and reading any page takes: the job is stopped and the SDK gets the
    # documented 504, never a hang or a 500; the journal records it; the stored object is untouched.
    with running_emulator(ocr_timeout=0.05, ocr_engine=engine) as hasty:
        client = hasty.client()
        data = (FIXTURES / "scan_en.png").read_bytes()
        client.put_object(Bucket=hasty.bucket, Key="scan.png", Body=data)
        with pytest.raises(CosServiceError) as info:
            client.ci_ocr_process(Bucket=hasty.bucket, Key="scan.png", Type="accurate")
        assert_cos_error(info.value, 504, "ProcessTimeout")
        assert "ocr_timeout=0.05" in info.value.get_error_msg()
        [entry] = hasty.requests(operation="OCR")
        assert (entry["status"], entry["error_code"]) == (504, "ProcessTimeout"), entry
        assert (entry["ocr_engine"], entry["ocr_cache"]) == (engine, "miss"), entry  # which engine ran out of time
        assert entry["request_id"] == info.value.get_request_id()
        assert client.get_object(Bucket=hasty.bucket, Key="scan.png")["Body"].get_raw_stream().read() == data


def test_key_restricted_to_cos_actions_needs_ci_create_ocr_job() -> None:
    from cos_ocr_emulator.config import KeyPair

    keys = (
        KeyPair("AKIDLOCALEMULATOR", "localemulatorsecretkey"),
        KeyPair("AKIDCOSONLY", "cosonly", actions=("name/cos:*",)),
        KeyPair("AKIDOCR", "ocr", actions=("name/cos:GetObject", "name/ci:CreateOCRJob")),
    )
    with running_emulator(keys=keys) as restricted:
        restricted.client().put_object(
            Bucket=restricted.bucket, Key="s.png", Body=(FIXTURES / "scan_en.png").read_bytes()
        )
        cos_only = CosS3Client(restricted.cos_config(SecretId="AKIDCOSONLY", SecretKey="cosonly"), retry=0)
        with pytest.raises(CosServiceError) as info:
            cos_only.ci_ocr_process(Bucket=restricted.bucket, Key="s.png", Type="fast")
        assert_cos_error(info.value, 403, "AccessDenied")
        assert "ci:CreateOCRJob" in info.value.get_error_msg()
        ocr = CosS3Client(restricted.cos_config(SecretId="AKIDOCR", SecretKey="ocr"), retry=0)
        assert "harbour" in text_of(ocr.ci_ocr_process(Bucket=restricted.bucket, Key="s.png", Type="fast")).lower()


def test_canned_result_round_trips_exactly(emu: RunningEmulator) -> None:
    client = emu.client()
    key = f"canned/{unique()}.png"
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"not even an image")
    canned = {
        "lines": [
            {"text": "Hello & <world>", "confidence": 97, "polygon": [[10, 20], [110, 20], [110, 50], [10, 50]],
             "words": [{"text": "Hello", "confidence": 98, "polygon": [[10, 20], [60, 20], [60, 50], [10, 50]]}]},
            {"text": "第二行", "confidence": 88, "polygon": [[10, 60], [90, 60], [90, 90], [10, 90]]},
        ],
        "language": "mix", "angle": 359.99, "pdf_page_size": 0,
    }  # fmt: skip
    emu.canned_ocr(canned, bucket=emu.bucket, key=key)
    result = client.ci_ocr_process(Bucket=emu.bucket, Key=key, Isword=True)
    lines = as_list(result["TextDetections"])
    assert [d["DetectedText"] for d in lines] == ["Hello & <world>", "第二行"]
    assert [d["Confidence"] for d in lines] == ["97", "88"]
    assert [(p["X"], p["Y"]) for p in lines[0]["Polygon"]] == [("10", "20"), ("110", "20"), ("110", "50"), ("10", "50")]
    assert lines[0]["ItemPolygon"] == {"X": "10", "Y": "20", "Width": "100", "Height": "30"}
    assert as_list(lines[0]["Words"])[0]["Character"] == "Hello"
    assert (result["Language"], result["Angel"], result["PdfPageSize"]) == ("mix", "359.99", "0")


def test_node_sdk_cos_request_ocr(emu: RunningEmulator, stored: dict[str, str]) -> None:
    env = {**os.environ, "COS_PORT": str(emu.port), "COS_BUCKET": emu.bucket, "COS_REGION": emu.region,
           "COS_SECRET_ID": emu.secret_id, "COS_SECRET_KEY": emu.secret_key, "COS_KEY": stored["scan_en.png"]}  # fmt: skip
    proc = subprocess.run(["node", "ocr.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["statusCode"] == 200
    response = out["Response"]
    assert set(response) >= {"TextDetections", "Language", "Angel", "PdfPageSize", "RequestId"}
    assert response["RequestId"] == out["RequestId"]
    assert "harbour" in " ".join(d["DetectedText"] for d in as_list(response["TextDetections"])).lower()
    assert out["error"]["code"] == "InvalidArgument" and out["error"]["statusCode"] == 400
