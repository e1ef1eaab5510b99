"""The outside half of scripts/docker-smoke: the official Python SDK against the emulator in the image."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time

from qcloud_cos import CosConfig, CosS3Client

BUCKET = "examplebucket-1250000000"


def client(port: int) -> CosS3Client:
    config = CosConfig(
        Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
        Scheme="http", IP="127.0.0.1", Port=port, Timeout=120,
    )  # fmt: skip
    return CosS3Client(config, retry=0)


def keys(c: CosS3Client, bucket: str) -> list[str]:
    return [item["Key"] for item in c.list_objects(Bucket=bucket).get("Contents", [])]


def text_of(result: dict) -> str:
    lines = result.get("TextDetections") or []
    lines = lines if isinstance(lines, list) else [lines]
    return " ".join(line.get("DetectedText") or "" for line in lines)


def phase1(port: int, server_pid: int) -> None:
    c = client(port)
    seeded = keys(c, BUCKET)
    print("seeded objects:", seeded, keys(c, "assets-1250000000"))
    assert "demo/scan_en.png" in seeded, seeded
    c.put_object(Bucket=BUCKET, Key="written-since.txt", Body=b"written after start")
    answer: dict = {}

    def ocr() -> None:
        try:
            answer["result"] = c.ci_ocr_process(Bucket=BUCKET, Key="demo/scan_en.png", Type="accurate")
        except Exception as exc:  # reported below
            answer["error"] = exc

    worker = threading.Thread(target=ocr)
    started = time.monotonic()
    worker.start()
    time.sleep(0.3)
    os.kill(server_pid, signal.SIGTERM)  # the emulator this run started (scripts/docker-smoke found it)
    print(f"SIGTERM sent to {server_pid} during the OCR request")
    worker.join(120)
    assert "result" in answer, f"the in-flight OCR request was not answered: {answer.get('error')}"
    text = text_of(answer["result"])
    print(f"OCR answered after SIGTERM in {time.monotonic() - started:.2f} s: {text[:120]!r}")
    assert "harbour office" in text.lower(), text


def phase2(port: int) -> None:
    c = client(port)
    found = keys(c, BUCKET)
    print("after restart:", found)
    assert {"demo/scan_en.png", "written-since.txt"} <= set(found), found
    body = c.get_object(Bucket=BUCKET, Key="written-since.txt")["Body"].get_raw_stream().read()
    assert body == b"written after start", body
    result = c.ci_ocr_process(Bucket=BUCKET, Key="demo/scan_en.png", Type="general")
    print("OCR after restart:", text_of(result)[:80])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, help="phase1: the emulator's process, to SIGTERM")
    parser.add_argument("phase", choices=["phase1", "phase2"])
    args = parser.parse_args()
    if args.phase == "phase1":
        if args.server_pid is None:
            parser.error("phase1 needs --server-pid")
        phase1(args.port, args.server_pid)
    else:
        phase2(args.port)


if __name__ == "__main__":
    main()
