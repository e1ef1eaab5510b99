"""The official Node.js SDK (cos-nodejs-sdk-v5, pinned in node/package.json) against the emulator, in `Ip`
and `Domain` modes. Each scenario is `node node/roundtrip.js <scenario>`; config goes in by environment and
the script prints one JSON document."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import crc64, md5_hex, unique

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "roundtrip.js"


@pytest.fixture(scope="module", autouse=True)
def node_sdk() -> None:
    if shutil.which("node") is None:
        pytest.fail("node is not installed (scripts/setup --test installs it)")
    if not (NODE_DIR / "node_modules" / "cos-nodejs-sdk-v5").is_dir():
        pytest.fail("run `npm install` in tests/contract/node (scripts/setup --test does)")


def run_node(emu: RunningEmulator, scenario: str, mode: str, prefix: str) -> Any:
    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    env.update(
        COS_MODE=mode, COS_PORT=str(emu.port), COS_BUCKET=emu.bucket, COS_REGION=emu.region,
        COS_SECRET_ID=emu.secret_id, COS_SECRET_KEY=emu.secret_key, COS_PREFIX=prefix,
    )  # fmt: skip
    result = subprocess.run(
        ["node", str(SCRIPT), scenario], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("mode", ["ip", "domain"])
def test_put_get_head_list_delete(emu: RunningEmulator, mode: str) -> None:
    prefix = unique(f"node-{mode}")
    out = run_node(emu, "roundtrip", mode, prefix)
    keys = [f"{prefix}/plain.txt", f"{prefix}/with space+plus.txt", f"{prefix}/目录/文件.txt"]
    body = f"node body {prefix} 中文".encode()
    assert [(p["Key"], p["statusCode"], p["ETag"]) for p in out["put"]] == [
        (k, 200, f'"{md5_hex(body)}"') for k in keys
    ]
    assert [(g["Key"], g["statusCode"], g["md5"], g["length"]) for g in out["get"]] == [
        (k, 200, md5_hex(body), len(body)) for k in keys
    ]
    assert out["head"]["statusCode"] == 200
    assert out["head"]["etag"] == f'"{md5_hex(body)}"'
    assert out["head"]["contentLength"] == str(len(body))
    assert out["head"]["crc64"] == crc64(body)
    assert out["head"]["requestId"]
    assert out["list"] == {"keys": keys[:2], "prefixes": [f"{prefix}/目录/"], "isTruncated": "false"}
    assert out["request"] == {"statusCode": 200, "keys": keys[:1], "isTruncated": "true"}
    assert [(d["Key"], d["statusCode"]) for d in out["deleted"]] == [(k, 204) for k in keys]
    big = out["multipart"]
    assert big["etag"].strip('"').endswith("-3")
    assert big["wholeMd5"] == big["md5"]
    assert (big["rangeStatus"], big["rangeMd5"]) == (206, big["expectedRangeMd5"])
    assert big["contentRange"] == f"bytes 100-199/{big['size']}"
    if mode == "ip":
        assert emu.bucket in out["buckets"]
    # A missing HEAD has no body: Node reports the status as the code.
    assert out["headAfterDelete"] == {"code": "404", "statusCode": 404}


@pytest.mark.parametrize("mode", ["ip", "domain"])
def test_wrong_secret_key(emu: RunningEmulator, mode: str) -> None:
    out = run_node(emu, "wrong-key", mode, unique("node-denied"))
    assert out["code"] == "SignatureDoesNotMatch"
    assert out["statusCode"] == 403
    assert out["message"].startswith("The Signature you specified is invalid.")
    assert out["error"]["Code"] == "SignatureDoesNotMatch"
    assert out["error"]["RequestId"] == out["requestId"]
    assert out["error"]["Resource"]
    assert out["error"]["TraceId"]
