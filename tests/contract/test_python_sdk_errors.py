"""Auth refusals as the Python SDK sees them: each raises CosServiceError with the exact code, status and
message (never "Unknown", which is what the SDK reports when an error body is incomplete)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import qcloud_cos.cos_auth
import requests
from conftest import (
    REGION,
    RawResponse,
    assert_cos_error,
    assert_error,
    ip_config,
    raw_request,
    sign,
    vhost,
)
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator.config import KeyPair
from cos_ocr_emulator.testing import RunningEmulator, running_emulator

pytestmark = pytest.mark.sdk

READER = KeyPair("AKIDREADONLYEXAMPLE", "readonly-secret", actions=("name/cos:GetObject",))
TEMP = KeyPair("AKIDTEMPORARYEXAMPLE", "temporary-secret", token="sts-token-0123456789")
EXPIRED = "Request has expired"
SIGNATURE_MESSAGE = "The Signature you specified is invalid."
ANONYMOUS = "Anonymous access is denied; sign the request (q-sign-algorithm=sha1)"


@pytest.fixture(scope="module")
def keyed(emu: RunningEmulator) -> Iterator[RunningEmulator]:
    """A second emulator whose keys include a read-only key and a temporary key with a token."""
    owner = KeyPair(emu.secret_id, emu.secret_key)
    with running_emulator(keys=(owner, READER, TEMP)) as running:
        yield running


def as_service_error(resp: requests.Response) -> RawResponse:
    return RawResponse(resp.status_code, resp.reason, list(resp.headers.items()), resp.content)


def test_wrong_secret_key_is_signature_mismatch(emu: RunningEmulator, key: str) -> None:
    client = CosS3Client(ip_config(emu, SecretKey="not-the-secret-key"), retry=0)
    with pytest.raises(CosServiceError) as info:
        client.get_object(Bucket=emu.bucket, Key=key)
    err = assert_cos_error(info.value, 403, "SignatureDoesNotMatch")
    message = err.get_error_msg()
    assert message.startswith(SIGNATURE_MESSAGE)
    # The server's StringToSign is in the message: its third line is SHA1 of the HttpString the client
    # must have signed (GET, the raw key, no params, the bucket domain as host).
    http_string = f"get\n/{key}\n\nhost={vhost(emu.bucket)}\n"
    assert hashlib.sha1(http_string.encode()).hexdigest() in message
    assert "StringToSign=" in message


def test_signature_mismatch_body_has_string_to_sign(emu: RunningEmulator, key: str) -> None:
    host = vhost(emu.bucket)
    auth = sign(emu, "GET", "/" + key, (), {"host": host}, secret_key="wrong")
    resp = raw_request(emu, "GET", key, headers={"Authorization": auth}, signed=False)
    fields = assert_error(resp, 403, "SignatureDoesNotMatch")
    assert fields["StringToSign"].startswith("sha1\n")
    http_string = f"get\n/{key}\n\nhost={host}\n"
    assert fields["StringToSign"].endswith(hashlib.sha1(http_string.encode()).hexdigest() + "\n")


def test_unknown_secret_id(emu: RunningEmulator, key: str) -> None:
    client = CosS3Client(ip_config(emu, SecretId="AKIDNOBODYHASTHISKEY"), retry=0)
    with pytest.raises(CosServiceError) as info:
        client.put_object(Bucket=emu.bucket, Key=key, Body=b"x")
    assert_cos_error(
        info.value, 403, "InvalidAccessKeyId", "The access key Id you provided does not exist in our records."
    )


def test_expired_presigned_url(emu: RunningEmulator, client: CosS3Client, key: str) -> None:
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"soon gone")
    url = client.get_presigned_download_url(Bucket=emu.bucket, Key=key, Expired=1)
    time.sleep(2.1)
    resp = requests.get(url, timeout=30)
    assert_error(as_service_error(resp), 403, "AccessDenied", EXPIRED)


def test_expired_header_signature(emu: RunningEmulator, key: str) -> None:
    now = int(time.time())
    auth = sign(emu, "GET", "/" + key, (), {"host": vhost(emu.bucket)}, start=now - 3600, end=now - 60)
    resp = raw_request(emu, "GET", key, headers={"Authorization": auth}, signed=False)
    assert_error(resp, 403, "AccessDenied", EXPIRED)


def test_expired_sdk_signature(emu: RunningEmulator, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK signs now-60 .. now+10000; an SDK clock 20000 s behind yields a window that ended long ago.
    class SlowClock:
        @staticmethod
        def time() -> float:
            return time.time() - 20000

    monkeypatch.setattr(qcloud_cos.cos_auth, "time", SlowClock)
    client = CosS3Client(ip_config(emu), retry=0)
    with pytest.raises(CosServiceError) as info:
        client.put_object(Bucket=emu.bucket, Key=key, Body=b"late")
    assert_cos_error(info.value, 403, "AccessDenied", EXPIRED)


def test_tampered_presigned_param(emu: RunningEmulator, client: CosS3Client, key: str) -> None:
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"tamper")
    url = client.get_presigned_download_url(
        Bucket=emu.bucket, Key=key, Params={"response-content-type": "text/plain"}, Expired=120
    )
    assert requests.get(url, timeout=30).status_code == 200
    parts = urlsplit(url)
    query = [(n, "text/html" if n == "response-content-type" else v) for n, v in parse_qsl(parts.query)]
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    resp = requests.get(tampered, timeout=30)
    fields = assert_error(as_service_error(resp), 403, "SignatureDoesNotMatch")
    assert fields["Message"].startswith(SIGNATURE_MESSAGE)


def test_anonymous_plain_requests(emu: RunningEmulator, client: CosS3Client, key: str) -> None:
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"private")
    url = f"http://127.0.0.1:{emu.port}/{key}"
    resp = requests.get(url, headers={"Host": vhost(emu.bucket)}, timeout=30)
    assert_error(as_service_error(resp), 403, "AccessDenied", ANONYMOUS)
    head = requests.head(url, headers={"Host": vhost(emu.bucket)}, timeout=30)
    assert head.status_code == 403
    assert head.content == b""
    assert head.headers["x-cos-request-id"]


def test_anonymous_sdk(emu: RunningEmulator, client: CosS3Client, key: str) -> None:
    client.put_object(Bucket=emu.bucket, Key=key, Body=b"private")
    anonymous = CosS3Client(
        CosConfig(Region=REGION, Scheme="http", IP="127.0.0.1", Port=emu.port, Anonymous=True), retry=0
    )
    with pytest.raises(CosServiceError) as info:
        anonymous.get_object(Bucket=emu.bucket, Key=key)
    assert_cos_error(info.value, 403, "AccessDenied", ANONYMOUS)
    with pytest.raises(CosServiceError) as info:
        anonymous.put_object(Bucket=emu.bucket, Key=key, Body=b"overwrite")
    assert_cos_error(info.value, 403, "AccessDenied", ANONYMOUS)
    with pytest.raises(CosServiceError) as info:
        anonymous.head_object(Bucket=emu.bucket, Key=key)
    # A HEAD error has no body; for anything but 404 the SDK keeps the response headers as its "message".
    assert info.value.get_status_code() == 403
    assert info.value.get_digest_msg()["x-cos-request-id"]


def test_key_restricted_to_get_object(keyed: RunningEmulator, key: str) -> None:
    owner = keyed.client()
    owner.put_object(Bucket=keyed.bucket, Key=key, Body=b"readable")
    reader = CosS3Client(keyed.cos_config(SecretId=READER.secret_id, SecretKey=READER.secret_key), retry=0)
    got = reader.get_object(Bucket=keyed.bucket, Key=key)
    assert got["Body"].get_raw_stream().read() == b"readable"
    with pytest.raises(CosServiceError) as info:
        reader.put_object(Bucket=keyed.bucket, Key=key, Body=b"nope")
    assert_cos_error(
        info.value, 403, "AccessDenied", f"SecretId {READER.secret_id} is not allowed to perform cos:PutObject"
    )
    with pytest.raises(CosServiceError) as info:
        reader.delete_object(Bucket=keyed.bucket, Key=key)
    assert_cos_error(
        info.value, 403, "AccessDenied", f"SecretId {READER.secret_id} is not allowed to perform cos:DeleteObject"
    )
    assert owner.get_object(Bucket=keyed.bucket, Key=key)["Body"].get_raw_stream().read() == b"readable"


def _temp_client(keyed: RunningEmulator, token: str | None) -> CosS3Client:
    return CosS3Client(keyed.cos_config(SecretId=TEMP.secret_id, SecretKey=TEMP.secret_key, Token=token), retry=0)


def test_temporary_credentials_with_token(keyed: RunningEmulator, key: str) -> None:
    client = _temp_client(keyed, TEMP.token)
    client.put_object(Bucket=keyed.bucket, Key=key, Body=b"temp")
    assert client.get_object(Bucket=keyed.bucket, Key=key)["Body"].get_raw_stream().read() == b"temp"


def test_temporary_credentials_without_token(keyed: RunningEmulator, key: str) -> None:
    with pytest.raises(CosServiceError) as info:
        _temp_client(keyed, None).put_object(Bucket=keyed.bucket, Key=key, Body=b"temp")
    assert_cos_error(info.value, 403, "AccessDenied", "The security token is missing")


def test_temporary_credentials_wrong_token(keyed: RunningEmulator, key: str) -> None:
    with pytest.raises(CosServiceError) as info:
        _temp_client(keyed, "not-the-token").put_object(Bucket=keyed.bucket, Key=key, Body=b"temp")
    assert_cos_error(info.value, 403, "InvalidAccessKeyId", "The security token is invalid")


def test_temporary_credentials_presigned_url(keyed: RunningEmulator, key: str) -> None:
    client = _temp_client(keyed, TEMP.token)
    client.put_object(Bucket=keyed.bucket, Key=key, Body=b"presigned temp")
    # Python never adds the token to a presigned URL; callers pass it in Params, where it is signed.
    url = client.get_presigned_download_url(Bucket=keyed.bucket, Key=key, Params={"x-cos-security-token": TEMP.token})
    resp = requests.get(url, timeout=30)
    assert (resp.status_code, resp.content) == (200, b"presigned temp")
    bare = client.get_presigned_download_url(Bucket=keyed.bucket, Key=key)
    assert_error(as_service_error(requests.get(bare, timeout=30)), 403, "AccessDenied", "The security token is missing")
