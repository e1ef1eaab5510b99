"""A real uvicorn server on a free loopback port, on a thread, behind a ready event (moto's
ThreadedMotoServer, fake-gcs-server's `NewServer`)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import httpx
import uvicorn

from cos_ocr_emulator.app import HTTP_IMPLEMENTATION
from cos_ocr_emulator.config import Settings, with_fields
from cos_ocr_emulator.config_values import ConfigError
from cos_ocr_emulator.edge import Edge
from cos_ocr_emulator.serving import StartupWatch, bind, open_app
from cos_ocr_emulator.state import EmulatorState

SDK_MISSING = (
    "the COS Python SDK (qcloud_cos) is not installed; .client() and .cos_config() need it: "
    "pip install 'cos-ocr-emulator[sdk]' (or cos-python-sdk-v5)"
)


def _sdk() -> Any:
    try:
        import qcloud_cos
    except ImportError as exc:
        raise ModuleNotFoundError(SDK_MISSING, name="qcloud_cos") from exc
    return qcloud_cos


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningEmulator:
    settings: Settings
    server: uvicorn.Server
    app: Edge

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def port(self) -> int:
        return self.settings.port

    @property
    def bucket(self) -> str:
        return self.settings.default_bucket

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def secret_id(self) -> str:
        return self.settings.keys[0].secret_id

    @property
    def secret_key(self) -> str:
        return self.settings.keys[0].secret_key

    @property
    def state(self) -> EmulatorState:
        return self.app.state

    def cos_config(self, **overrides: Any) -> Any:
        """A `qcloud_cos.CosConfig` aimed at this emulator in IP mode (the SDK's recommended form)."""
        CosConfig = _sdk().CosConfig

        options: dict[str, Any] = dict(
            Region=self.region, SecretId=self.secret_id, SecretKey=self.secret_key, Scheme="http",
            IP="127.0.0.1", Port=self.port, Timeout=60,
        )  # fmt: skip
        options.update(overrides)
        return CosConfig(**options)

    def client(self, retry: int = 0, **overrides: Any) -> Any:
        """A `qcloud_cos.CosS3Client`; retries are off by default so failures show at once."""
        return _sdk().CosS3Client(self.cos_config(**overrides), retry=retry)

    # --- the admin API (/_emulator/*), for tests -------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.settings.admin_token}"} if self.settings.admin_token else {}
        response = httpx.request(method, f"{self.endpoint}/_emulator/{path}", headers=headers, timeout=60, **kwargs)
        if 400 <= response.status_code < 500:
            # The server's own explanation (e.g. the valid operation names), not just "400 Bad Request".
            try:
                message = response.json().get("message") or response.text
            except ValueError:
                message = response.text
            raise ValueError(f"{method} /_emulator/{path}: {response.status_code} {message}")
        response.raise_for_status()
        return response.json()

    def reset(self, bucket: str | None = None, *, keep_ocr_cache: bool = False) -> None:
        """Back to the seeded state; with no bucket also clears faults, canned OCR, the journal and
        (unless `keep_ocr_cache`) the OCR result cache."""
        params = {"bucket": bucket} if bucket else {}
        if keep_ocr_cache:
            params["keep"] = "ocr-cache"
        self.admin("POST", "reset", params=params or None)

    def inject_fault(self, action: str = "error", **rule: Any) -> dict[str, Any]:
        """e.g. inject_fault(operation="GetObject", status=503, code="SlowDown", times=2)."""
        result: dict[str, Any] = self.admin("POST", "faults", json={"action": action, **rule})
        return result

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")

    def canned_ocr(self, result: dict[str, Any], **match: Any) -> None:
        """Answer OCR for key=/bucket=, sha256= or detect_url= with `result` instead of Tesseract."""
        self.admin("PUT", "ocr-results", json={**match, "result": result})

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The request journal, newest last; filters: bucket, key, status, operation."""
        entries: list[dict[str, Any]] = self.admin("GET", "requests", params=filters)["requests"]
        return entries

    def clear_requests(self) -> None:
        self.admin("DELETE", "requests")


class EmulatorStartError(RuntimeError):
    """The emulator did not start; the message is the server's own reason."""


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    with sock, contextlib.suppress(SystemExit):  # uvicorn exits on a failed startup; the watch knows why
        server.run(sockets=[sock])


@contextmanager
def running_emulator(
    settings: Settings | None = None, *, source: str = "running_emulator()", **fields: Any
) -> Iterator[RunningEmulator]:
    """Start the emulator (memory storage, a free port) unless `settings` or `fields` say otherwise.

    `fields` are converted and checked like any setting (`seed_dir="tests/seed"` works); a bad one raises
    `ConfigError` naming it and `source`, a failed startup `EmulatorStartError` with the server's reason."""
    with tempfile.TemporaryDirectory(prefix="cos-emulator-") as tmp:
        base = settings or Settings(storage="memory", data_dir=Path(tmp))
        fields = {**fields, "host": "127.0.0.1", "port": fields.get("port") or 0}
        settings = with_fields(base, fields, source)
        sock = bind(settings)
        settings = dataclasses.replace(settings, port=sock.getsockname()[1])
        try:
            app = open_app(settings)
        except ConfigError:
            sock.close()
            raise
        watch = StartupWatch(app)
        config = uvicorn.Config(
            watch, http=HTTP_IMPLEMENTATION, log_level="warning", server_header=False, date_header=False,
            access_log=False, lifespan="on", timeout_graceful_shutdown=5,
        )  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=_serve, args=(server, sock), name="cos-emulator", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive():
                failure = watch.failure(settings)
                if isinstance(failure, ConfigError):
                    raise failure
                raise EmulatorStartError(f"the emulator did not start: {failure or 'uvicorn stopped'}")
            if time.monotonic() > deadline:
                server.should_exit = True
                raise EmulatorStartError("the emulator did not start within 60 s")
            time.sleep(0.02)
        try:
            yield RunningEmulator(settings=settings, server=server, app=app)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
