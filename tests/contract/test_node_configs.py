"""The official Node.js SDK (cos-nodejs-sdk-v5) through ACL, CORS and tagging: `node node/configs.js`
against a fresh bucket, printing one JSON document. Ip mode only: in Domain mode the Node SDK puts no
bucket on the wire, and configurations are per bucket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import unique

from cos_ocr_emulator.testing import RunningEmulator

pytestmark = pytest.mark.sdk

NODE_DIR = Path(__file__).parent / "node"


def test_acl_cors_and_tagging_through_the_node_sdk(emu: RunningEmulator) -> None:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "cos-nodejs-sdk-v5").is_dir():
        pytest.fail("node and tests/contract/node/node_modules are needed (scripts/setup --test installs them)")
    bucket = f"{unique('node')}-{emu.settings.appid}"
    emu.client().create_bucket(Bucket=bucket)
    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    env.update(
        COS_PORT=str(emu.port), COS_BUCKET=bucket, COS_REGION=emu.region, COS_SECRET_ID=emu.secret_id,
        COS_SECRET_KEY=emu.secret_key,
    )  # fmt: skip
    result = subprocess.run(
        ["node", "configs.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)

    assert (out["aclBefore"], out["aclPublic"], out["aclPrivateObject"]) == (403, 200, 403)
    assert out["bucketAcl"] == {"ACL": "public-read", "grants": 2}
    assert out["objectAcl"] == {"ACL": "private"}
    assert out["bogusAcl"] == {"statusCode": 400, "code": "InvalidArgument"}

    assert out["corsBefore"] == [] and out["corsAfter"] == []
    assert out["cors"] == [
        {"origins": ["https://app.example.com"], "methods": ["GET", "PUT"], "expose": ["ETag"], "maxAge": "300"}
    ]
    assert out["preflight"] == {"statusCode": 200, "allowOrigin": "https://app.example.com"}
    assert out["preflightDenied"] == 403

    assert out["objectTagsBefore"] == [] and out["objectTagsAfter"] == []
    assert out["objectTags"] == [{"Key": "team", "Value": "ocr"}, {"Key": "年", "Value": "2024"}]
    assert out["tagCount"] == "2"
    assert out["bucketTags"] == [{"Key": "env", "Value": "test"}] and out["bucketTagsAfter"] == []
    assert out["tooManyTags"] == {"statusCode": 400, "code": "BadRequest"}
