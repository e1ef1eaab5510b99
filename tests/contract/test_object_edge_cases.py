"""Object calls the SDK makes that used to go wrong: a non-Latin-1 response-content-disposition (500), and
upload_part_copy without a range (the SDK sends an empty x-cos-copy-source-range)."""

from __future__ import annotations

import os
from urllib.parse import quote

from qcloud_cos import CosS3Client

from cos_ocr_emulator.testing import RunningEmulator
from tests.contract.conftest import raw_request


def test_response_content_disposition_with_chinese_filename(emu: RunningEmulator, client: CosS3Client) -> None:
    client.put_object(Bucket=emu.bucket, Key="报告.txt", Body=b"report")
    disposition = 'attachment; filename="报告.txt"'
    resp = client.get_object(Bucket=emu.bucket, Key="报告.txt", ResponseContentDisposition=disposition)
    assert resp["Body"].get_raw_stream().read() == b"report"
    # requests decodes header bytes as Latin-1; the bytes on the wire are the UTF-8 of what was asked for
    assert resp["Content-Disposition"].encode("latin-1").decode("utf-8") == disposition


def test_response_content_disposition_raw_bytes_on_the_wire(emu: RunningEmulator) -> None:
    resp = raw_request(
        emu, "GET", "raw-disposition.txt", params={"response-content-disposition": "inline; filename=发票.pdf"}
    )
    assert resp.status in (200, 404)
    assert resp.status != 500
    emu.client().put_object(Bucket=emu.bucket, Key="raw-disposition.txt", Body=b"x")
    resp = raw_request(
        emu, "GET", "raw-disposition.txt", params={"response-content-disposition": "inline; filename=发票.pdf"}
    )
    assert resp.status == 200
    assert resp.header("Content-Disposition").encode("latin-1") == "inline; filename=发票.pdf".encode()
    encoded = "attachment; filename*=UTF-8''" + quote("报告.txt")
    resp = raw_request(emu, "GET", "raw-disposition.txt", params={"response-content-disposition": encoded})
    assert resp.header("Content-Disposition") == encoded


def test_upload_part_copy_without_range_copies_the_whole_source(emu: RunningEmulator, client: CosS3Client) -> None:
    data = os.urandom(100_000)
    client.put_object(Bucket=emu.bucket, Key="copy-src.bin", Body=data)
    upload = client.create_multipart_upload(Bucket=emu.bucket, Key="copy-dst.bin")
    source = {"Bucket": emu.bucket, "Key": "copy-src.bin", "Region": emu.region}
    part = client.upload_part_copy(
        Bucket=emu.bucket, Key="copy-dst.bin", PartNumber=1, UploadId=upload["UploadId"], CopySource=source
    )
    client.complete_multipart_upload(
        Bucket=emu.bucket, Key="copy-dst.bin", UploadId=upload["UploadId"],
        MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )  # fmt: skip
    assert client.get_object(Bucket=emu.bucket, Key="copy-dst.bin")["Body"].get_raw_stream().read() == data
