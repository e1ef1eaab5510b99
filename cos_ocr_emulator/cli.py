"""`cos-ocr-emulator`: start the server, or check a running one (`healthcheck`, for Docker)."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import urllib.request
from pathlib import Path

# Tesseract's OpenMP threads make it 3-6x slower on small machines; must be set before it loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from cos_ocr_emulator import __version__
from cos_ocr_emulator.config import Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cos-ocr-emulator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cos-ocr-emulator {__version__}")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; env COS_EMULATOR_HOST)")
    parser.add_argument("--port", type=int, help="port (default 8080; env COS_EMULATOR_PORT)")
    parser.add_argument("--data-dir", type=Path, help="where objects live (default ./.cos-emulator-data)")
    parser.add_argument("--config", type=Path, help="TOML config file (env COS_EMULATOR_CONFIG)")
    parser.add_argument("--storage", choices=["disk", "memory"], help="disk (durable, default) or memory")
    parser.add_argument("--auth-mode", choices=["strict", "warn", "off"], help="signature checking (default strict)")
    parser.add_argument("--seed-dir", type=Path, help="load <bucket-appid>/<key> files at startup")
    parser.add_argument("--log-format", choices=["text", "json"], help="access log format (default text)")
    parser.add_argument("--ocr-engine", choices=["tesserocr", "pytesseract"], help="OCR backend (default tesserocr)")
    parser.add_argument("--ocr-timeout", type=float, help="seconds one OCR request may take (default 30)")
    parser.add_argument("--ocr-engine-cache", type=int, help="language sets kept warm in memory (default 4)")
    parser.add_argument("--shutdown-grace", type=float, help="seconds in-flight requests get on stop (default 10)")
    parser.add_argument(
        "--sdk-fault-keys", action="store_true", default=None, help="serve the Python SDK's retry-test keys"
    )
    parser.add_argument("--deterministic", action="store_true", default=None, help="sequential ids, fixed clock")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("healthcheck", help="exit 0 if the emulator at --url answers healthy")
    check.add_argument("--url", default=None, help="default http://127.0.0.1:<port>/_emulator/health")
    return parser


def banner(settings: Settings) -> str:
    key = settings.keys[0]
    ip = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    endpoint = f"http://{ip}:{settings.port}"
    return f"""cos-ocr-emulator {__version__} listening on {settings.host}:{settings.port} ({endpoint})
  default bucket: {settings.default_bucket} (region {settings.region}, APPID {settings.appid})
  credentials:    SecretId={key.secret_id} SecretKey={key.secret_key}
  storage:        {settings.storage} ({settings.data_dir.resolve()})   auth: {settings.auth_mode}
  health:         {endpoint}/_emulator/health

  from qcloud_cos import CosConfig, CosS3Client
  client = CosS3Client(CosConfig(Region="{settings.region}", SecretId="{key.secret_id}",
                                 SecretKey="{key.secret_key}", Scheme="http",
                                 IP="{ip}", Port={settings.port}))
  client.put_object(Bucket="{settings.default_bucket}", Key="hello.txt", Body=b"hi")
"""


def healthcheck(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.loads(response.read())
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(body))
    return 0 if body.get("status") == "healthy" else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {
        "host": args.host, "port": args.port, "data_dir": args.data_dir, "storage": args.storage,
        "auth_mode": args.auth_mode, "seed_dir": args.seed_dir, "log_format": args.log_format,
        "ocr_engine": args.ocr_engine, "ocr_timeout": args.ocr_timeout, "ocr_engine_cache": args.ocr_engine_cache,
        "shutdown_grace": args.shutdown_grace, "sdk_fault_keys": args.sdk_fault_keys,
        "deterministic": args.deterministic,
    }  # fmt: skip
    try:
        settings = load_settings(config_file=args.config, overrides=overrides)
    except (OSError, ValueError) as exc:
        print(f"cos-ocr-emulator: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "healthcheck":
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        return healthcheck(args.url or f"http://{host}:{settings.port}/_emulator/health")
    return serve(settings)


def serve(settings: Settings) -> int:
    import uvicorn

    from cos_ocr_emulator.app import HTTP_IMPLEMENTATION, create_app

    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    print(banner(settings), flush=True)
    uvicorn.run(
        app, host=settings.host, port=settings.port, http=HTTP_IMPLEMENTATION, server_header=False, date_header=False,
        log_level=settings.log_level, access_log=False,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace),  # uvicorn takes whole seconds
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
