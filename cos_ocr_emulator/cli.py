"""`cos-ocr-emulator`: start the server, or check a running one (`healthcheck`, for Docker).

A bad setting, an address in use or a seed folder that cannot be loaded is one line on stderr naming
the setting and where its value came from, and exit status 2; "listening on" is printed only once the
server accepts connections (the port was bound first, before the app started).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import os
import sys
import urllib.request
from pathlib import Path
from typing import NoReturn

# Tesseract's OpenMP threads make it 3-6x slower on small machines; must be set before it loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from cos_ocr_emulator import __version__
from cos_ocr_emulator.config import Settings, load_settings, misspelt_env
from cos_ocr_emulator.config_values import ConfigError

PROG = "cos-ocr-emulator"
EXIT_CONFIG = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage mistake in one line (argparse's default adds the whole usage text)."""
        self.exit(EXIT_CONFIG, f"{PROG}: {message} (see {PROG} --help)\n")


def _parser() -> argparse.ArgumentParser:
    # Values stay strings here: config.py converts and checks them, so a bad flag and a bad env variable
    # get the same one-line message.
    parser = _Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; env COS_EMULATOR_HOST)")
    parser.add_argument("--port", help="port, 0 for any free one (default 8080; env COS_EMULATOR_PORT)")
    parser.add_argument("--data-dir", help="where objects live (default ./.cos-emulator-data)")
    parser.add_argument("--config", help="TOML config file (env COS_EMULATOR_CONFIG)")
    parser.add_argument("--storage", help="disk (durable, default) or memory")
    parser.add_argument("--auth-mode", help="signature checking: strict (default), warn or off")
    parser.add_argument("--seed-dir", help="load <bucket-appid>/<key> files at startup")
    parser.add_argument("--log-format", help="access log format: text (default) or json")
    parser.add_argument("--log-level", help="critical, error, warning, info (default) or debug")
    parser.add_argument("--ocr-timeout", help="seconds one OCR request may take (default 30)")
    parser.add_argument("--ocr-engine-cache", help="language sets kept warm in memory (default 4)")
    parser.add_argument("--shutdown-grace", help="seconds in-flight requests get on stop (default 10)")
    parser.add_argument(
        "--ocr-engine", help="OCR engine: tesseract (default; = tesserocr), pytesseract (Tesseract's CLI) or ppocr"
    )
    parser.add_argument(
        "--sdk-fault-keys", action="store_true", default=None, help="serve the Python SDK's retry-test keys"
    )
    parser.add_argument("--deterministic", action="store_true", default=None, help="sequential ids, fixed clock")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    check = sub.add_parser("healthcheck", help="exit 0 if the emulator at --url answers healthy")
    check.add_argument("--url", default=None, help="default http://127.0.0.1:<port>/_emulator/health")
    return parser


FLAG_SETTINGS = (
    "host", "port", "data_dir", "storage", "auth_mode", "seed_dir", "log_format", "log_level", "ocr_engine",
    "ocr_timeout", "ocr_engine_cache", "shutdown_grace", "sdk_fault_keys", "deterministic",
)  # fmt: skip


def banner(settings: Settings) -> str:
    key = settings.keys[0]
    ip = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    endpoint = f"http://{ip}:{settings.port}"
    return f"""{PROG} {__version__} listening on {settings.host}:{settings.port} ({endpoint})
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


def _config_error(error: ConfigError) -> int:
    print(f"{PROG}: configuration error: {error}", file=sys.stderr)
    return EXIT_CONFIG


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {name: getattr(args, name) for name in FLAG_SETTINGS}
    try:
        config_file = args.config
        if config_file is not None and not config_file.strip():
            raise ConfigError("", "--config", "needs a file name")
        settings = load_settings(config_file=Path(config_file) if config_file else None, overrides=overrides)
    except ConfigError as error:
        return _config_error(error)
    for warning in misspelt_env():
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if args.command == "healthcheck":
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        return healthcheck(args.url or f"http://{host}:{settings.port}/_emulator/health")
    return serve(settings)


def _listening(settings: Settings) -> None:
    print(banner(settings), flush=True)
    # What imports and startup made (~70k objects) lives as long as the process: frozen, the collector's
    # full passes no longer walk it (each took ~18 ms, once every ~20k requests). Only the CLI does this:
    # it owns the process, an in-process test server does not.
    gc.freeze()


def serve(settings: Settings) -> int:
    import dataclasses

    import uvicorn

    from cos_ocr_emulator.accesslog import LineFormatter, quiet_records, write_directly
    from cos_ocr_emulator.app import HTTP_IMPLEMENTATION
    from cos_ocr_emulator.serving import AnnouncingServer, StartupWatch, bind, open_app, quiet_startup_failure

    handler, formatter = logging.StreamHandler(), LineFormatter()
    handler.setFormatter(formatter)
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    quiet_records()
    write_directly(handler, formatter)
    try:
        sock = bind(settings)
    except ConfigError as error:
        return _config_error(error)
    settings = dataclasses.replace(settings, port=sock.getsockname()[1])  # port 0 → the one we got
    try:
        app = open_app(settings)
    except ConfigError as error:
        sock.close()
        return _config_error(error)
    quiet_startup_failure()
    watch = StartupWatch(app)
    config = uvicorn.Config(
        watch, http=HTTP_IMPLEMENTATION, server_header=False, date_header=False, log_level=settings.log_level,
        access_log=False, timeout_graceful_shutdown=math.ceil(settings.shutdown_grace), lifespan="on",
    )  # fmt: skip
    server = AnnouncingServer(config, on_listening=lambda: _listening(settings))
    # uvicorn exits on a failed startup; the watch knows why.
    with sock, contextlib.suppress(SystemExit):
        server.run(sockets=[sock])
    failure = watch.failure(settings)
    if isinstance(failure, ConfigError):
        return _config_error(failure)
    if failure is not None or not server.started:
        print(f"{PROG}: cannot start: {failure or 'the server did not start'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
