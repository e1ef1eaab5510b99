"""OCR latency and accuracy on the fixtures, in one run: `python bench/ocr_latency.py [--repeat 5]`.

Per fixture (median of --repeat runs, after one warm-up):
  cli      `OMP_THREAD_LIMIT=1 tesseract IMG - -l chi_sim+eng` : the tuned CLI, same languages as ours
  plain    `pytesseract.image_to_string(img)` with defaults (eng, OpenMP threads left on)
  <type>   OcrService.recognize_sync with the tesserocr backend, for each API type (seconds and CER)
  pyt      OcrService general with the pytesseract backend (what the CLI costs inside our pipeline)
then the ratios cli/general, cli/efficient (the same work as the CLI: no OSD or deskew) and
pyt/general, and the emulator end to end: HTTP + signature + OCR + XML through the official Python
SDK's `ci_ocr_process` against a real uvicorn server started in this run (or `--endpoint URL`), with
the SDK's default parameters (general, zh) and with type=efficient; the target is emulator / tuned
CLI <= 0.6.

Then, per fixture, both engines side by side (`compare_engines`, or alone with `--engines-only`):
Tesseract (tesserocr) and PP-OCR (`ocr_engine=ppocr`), type general, median seconds and CER each,
and PP-OCR's time as a multiple of Tesseract's; the scene-text fixtures are where PP-OCR earns it.

`--types-only` prints just the per-type table (seconds/CER, CPU seconds of the OCR thread beside the
wall-clock median, which a shared machine inflates); `--realworld` runs it on the real-world set
(receipt photos, column pages, turned snippets, transparency, the Chinese receipt, the 12 Mpx
photo). `--baseline DIR` runs the same table for the package in DIR (another checkout) and for this
one, alternating fixture by fixture so both see the same machine load, and prints before/after.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pytesseract  # noqa: E402
from PIL import Image  # noqa: E402

from fixtures.manifest import Fixture, cer, fixtures  # noqa: E402  (always this checkout's fixtures)


def _package() -> str:
    """The package to measure: this checkout's, or with --baseline the other checkout's, imported by
    whatever name it had there (before the rename it was `emulator`). Without this, a baseline that
    has no `cos_ocr_emulator` would silently measure this checkout against itself."""
    other = os.environ.get("BENCH_PACKAGE_ROOT")
    if not other:
        return "cos_ocr_emulator"
    sys.path.insert(0, other)
    for name in ("cos_ocr_emulator", "emulator"):
        if (Path(other) / name / "ocr" / "pipeline.py").is_file():
            return name
    raise SystemExit(f"--baseline {other}: no OCR package (cos_ocr_emulator/ or emulator/) there")


_PKG = _package()
Settings = importlib.import_module(f"{_PKG}.config").Settings
OcrService = importlib.import_module(f"{_PKG}.ocr.pipeline").OcrService
_request = importlib.import_module(f"{_PKG}.ocr.request")
TYPES, OcrRequest = _request.TYPES, _request.OcrRequest

DEFAULT_FIXTURES = ["scan_en.png", "rot90_en.png", "photo_en.jpg", "zh.png", "handwriting.jpg", "tiny_text.png"]
BIG = "photo_12mpx.jpg"


def realworld_fixtures() -> list[str]:
    return [name for name, fx in fixtures().items() if fx.extra.get("realworld")]


def type_table(names: list[str], repeat: int) -> list[dict[str, object]]:
    """Per fixture and type: median wall seconds, median CPU seconds of this thread, CER."""
    limit = {"ocr_timeout": 3600.0} if "ocr_timeout" in Settings.__dataclass_fields__ else {}  # a baseline may lack it
    service = OcrService(Settings(ocr_engine="tesserocr", ocr_workers=1, **limit))
    rows: list[dict[str, object]] = []
    for name in names:
        fx = fixtures()[name]
        data, reference = fx.data(), fx.text or ""
        for kind in TYPES:
            request = OcrRequest(type=kind)
            walls, cpus, text = [], [], ""
            if name != BIG:
                service.recognize_sync(data, request)  # warm-up: traineddata loads, caches fill
            for _ in range(1 if name == BIG else repeat):
                wall, cpu = time.perf_counter(), time.thread_time()
                text = service.recognize_sync(data, request).text
                walls.append(time.perf_counter() - wall)
                cpus.append(time.thread_time() - cpu)
            rows.append({"fixture": name, "type": kind, "wall": statistics.median(walls),
                         "cpu": statistics.median(cpus), "cer": cer(text, reference)})  # fmt: skip
    service.close()
    return rows


def print_types(rows: list[dict[str, object]]) -> None:
    print(f"{'fixture':24} " + " ".join(f"{kind:>22}" for kind in TYPES) + "   (wall s / cpu s / CER)")
    for name in dict.fromkeys(str(row["fixture"]) for row in rows):
        cells = [f"{r['wall']:.2f}/{r['cpu']:.2f}/{r['cer']:.3f}" for r in rows if r["fixture"] == name]
        print(f"{name:24} " + " ".join(f"{c:>22}" for c in cells), flush=True)


def compare(names: list[str], repeat: int, baseline: str, rounds: int) -> None:
    """Before (package in `baseline`) and after (this checkout), alternating per fixture, `rounds` times."""
    import json

    results: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    for name in names:
        for _ in range(1 if name == BIG else rounds):
            for label, root in (("before", baseline), ("after", "")):
                env = {**os.environ, "BENCH_PACKAGE_ROOT": root, "OMP_THREAD_LIMIT": "1"}
                cmd = [sys.executable, __file__, "--types-only", "--json", "--repeat", str(repeat), "--fixtures", name]
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
                results[label] += json.loads(out.strip().splitlines()[-1])
    print(f"{'fixture':24} {'type':11} {'cpu before':>10} {'cpu after':>10} {'ratio':>6} {'CER before':>10} "
          f"{'CER after':>10}")  # fmt: skip
    for name in names:
        for kind in TYPES:
            cells = {}
            for label in ("before", "after"):
                rows = [r for r in results[label] if r["fixture"] == name and r["type"] == kind]
                cells[label] = (statistics.median(float(str(r["cpu"])) for r in rows), float(str(rows[-1]["cer"])))
            (cb, eb), (ca, ea) = cells["before"], cells["after"]
            print(f"{name:24} {kind:11} {cb:10.2f} {ca:10.2f} {ca / cb:6.2f} {eb:10.3f} {ea:10.3f}", flush=True)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up: loads traineddata, fills caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cli_tuned(path: Path) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        ["tesseract", str(path), "-", "-l", "chi_sim+eng"], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def plain_pytesseract(path: Path) -> str:
    saved = os.environ.pop("OMP_THREAD_LIMIT", None)  # the defaults a casual user gets
    try:
        with Image.open(path) as image:
            return str(pytesseract.image_to_string(image))
    finally:
        if saved is not None:
            os.environ["OMP_THREAD_LIMIT"] = saved


class Endpoint:
    """The official Python SDK aimed at an emulator: one started here, or `--endpoint`."""

    def __init__(self, url: str | None) -> None:
        from qcloud_cos import CosConfig, CosS3Client

        self._proc = None
        if url is None:  # the CLI in its own process, as users run it (no GIL shared with this client)
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from _server import start_server

            self._proc, port = start_server("--storage", "memory")
            url = f"http://127.0.0.1:{port}"
        host, _, port = url.split("//", 1)[-1].rstrip("/").partition(":")
        config = CosConfig(
            Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
            Scheme="http", IP=host, Port=int(port or 80), Timeout=300,
        )  # fmt: skip
        self.client = CosS3Client(config, retry=0)
        self.bucket = "examplebucket-1250000000"

    def measure(self, fx: Fixture, repeat: int, kind: str) -> float:
        """Median seconds of one `ci_ocr_process` call on the fixture, uploaded once."""
        key = f"bench/{fx.path.name}"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=fx.data())
        seconds, _ = median_time(lambda: self.client.ci_ocr_process(Bucket=self.bucket, Key=key, Type=kind), repeat)
        return seconds

    def concurrency(self, fx: Fixture, kind: str = "general", calls: int = 4) -> tuple[float, float]:
        """Seconds for `calls` OCR calls one after another, and two at a time (two SDK threads)."""
        from concurrent.futures import ThreadPoolExecutor

        key = f"bench/{fx.path.name}"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=fx.data())
        call = lambda _: self.client.ci_ocr_process(Bucket=self.bucket, Key=key, Type=kind)  # noqa: E731
        start = time.perf_counter()
        for i in range(calls):
            call(i)
        serial = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(call, range(calls)))
        return serial, time.perf_counter() - start

    def close(self) -> None:
        if self._proc is not None:
            from _server import stop_server

            stop_server(self._proc)


def run(names: list[str], repeat: int, endpoint: str | None) -> None:
    manifest = fixtures()
    ours = OcrService(Settings(ocr_engine="tesserocr", ocr_workers=1))
    cli_backend = OcrService(Settings(ocr_engine="pytesseract", ocr_workers=1))
    endpoint_sdk = Endpoint(endpoint)
    header = ["fixture", "cli", "plain", *TYPES, "pyt", "cli/gen", "cli/eff", "pyt/gen", "e2e", "e2e-eff",
              "e2e/cli", "e2eeff/cli"]  # fmt: skip
    print(" ".join(f"{h:>11}" for h in header))
    ratios: dict[str, list[float]] = {"cli": [], "eff": [], "pyt": [], "e2e": [], "e2e_eff": []}
    for name in names:
        fx = manifest[name]
        reference = fx.text or ""
        cells = [name]
        t_cli, _ = median_time(lambda fx=fx: cli_tuned(fx.path), repeat)
        t_plain, _ = median_time(lambda fx=fx: plain_pytesseract(fx.path), repeat)
        cells += [f"{t_cli:.2f}s", f"{t_plain:.2f}s"]
        data = fx.data()
        timings: dict[str, float] = {}
        for kind in TYPES:
            request = OcrRequest(type=kind)
            seconds, result = median_time(lambda r=request, d=data: ours.recognize_sync(d, r), repeat)
            timings[kind] = seconds
            cells.append(f"{seconds:.2f}/{cer(result.text, reference):.2f}")  # type: ignore[attr-defined]
        t_pyt, _ = median_time(lambda d=data: cli_backend.recognize_sync(d, OcrRequest()), repeat)
        general = timings["general"]
        ratios["cli"].append(t_cli / general)
        ratios["eff"].append(t_cli / timings["efficient"])
        ratios["pyt"].append(t_pyt / general)
        e2e = endpoint_sdk.measure(fx, repeat, "general")
        e2e_eff = endpoint_sdk.measure(fx, repeat, "efficient")
        ratios["e2e"].append(e2e / t_cli)
        ratios["e2e_eff"].append(e2e_eff / t_cli)
        cells += [f"{t_pyt:.2f}s", f"{t_cli / general:.2f}x", f"{t_cli / timings['efficient']:.2f}x"]
        cells.append(f"{t_pyt / general:.2f}x")
        cells += [f"{e2e:.2f}s", f"{e2e_eff:.2f}s", f"{e2e / t_cli:.2f}", f"{e2e_eff / t_cli:.2f}"]
        print(" ".join(f"{c:>11}" for c in cells), flush=True)
    print(
        f"median ratios: tuned CLI / ours(general) = {statistics.median(ratios['cli']):.2f}x, "
        f"tuned CLI / ours(efficient, the same work: no OSD) = {statistics.median(ratios['eff']):.2f}x, "
        f"ours on the CLI backend / ours(general) = {statistics.median(ratios['pyt']):.2f}x "
        "(type cells: seconds/CER)"
    )
    print(
        f"emulator end to end (HTTP + signature + OCR + XML via the Python SDK) / tuned CLI: "
        f"general {statistics.median(ratios['e2e']):.2f}, efficient {statistics.median(ratios['e2e_eff']):.2f} "
        "(target <= 0.6)"
    )
    serial, parallel = endpoint_sdk.concurrency(manifest[names[0]])
    print(
        f"concurrency ({names[0]}, 4 general calls end to end): one at a time {serial:.2f}s, two at a time "
        f"{parallel:.2f}s, speed-up {serial / parallel:.2f}x on {os.cpu_count()} cores"
    )
    ours.close()
    cli_backend.close()
    endpoint_sdk.close()


ENGINE_FIXTURES = [
    "scan_en.png", "rot90_en.png", "photo_en.jpg", "zh.png", "report.pdf", "receipt_zh.jpg",
    "scene_zh.jpg", "poster_zh.jpg", "sign_zh.jpg",
]  # fmt: skip


def compare_engines(names: list[str], repeat: int) -> None:
    """Tesseract and PP-OCR on the same fixtures in this run: seconds/CER each (type general)."""
    manifest = fixtures()
    engines = {
        "tesseract": OcrService(Settings(ocr_engine="tesserocr", ocr_workers=1)),
        "ppocr": OcrService(Settings(ocr_engine="ppocr", ocr_workers=1, ppocr_threads=1)),
    }
    print(f"{'fixture':>16} {'tesseract s':>12} {'CER':>6} {'ppocr s':>9} {'CER':>6} {'ppocr/tess':>11}")
    for name in names:
        fx = manifest[name]
        query = {"ispdf": "true", "pdf-pagenumber": str(fx.extra["page"])} if name.endswith(".pdf") else {}
        request, data = OcrRequest.parse(query), fx.data()
        cells: list[str] = []
        seconds: dict[str, float] = {}
        for engine, service in engines.items():
            took, result = median_time(lambda s=service, d=data, r=request: s.recognize_sync(d, r), repeat)
            seconds[engine] = took
            cells += [f"{took:.2f}", f"{cer(result.text, fx.text or ''):.3f}"]  # type: ignore[attr-defined]
        ratio = seconds["ppocr"] / seconds["tesseract"]
        print(f"{name:>16} {cells[0]:>12} {cells[1]:>6} {cells[2]:>9} {cells[3]:>6} {ratio:>10.1f}x", flush=True)
    for service in engines.values():
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixtures", nargs="*", default=DEFAULT_FIXTURES)
    parser.add_argument("--endpoint", help="emulator base URL for the end-to-end column (HTTP + SDK)")
    parser.add_argument("--engine-fixtures", nargs="*", default=ENGINE_FIXTURES)
    parser.add_argument("--engines-only", action="store_true", help="only the Tesseract / PP-OCR comparison")
    parser.add_argument("--realworld", action="store_true", help="the real-world fixture set")
    parser.add_argument("--types-only", action="store_true", help="only the per-type time/CER table")
    parser.add_argument("--json", action="store_true", help="with --types-only: one JSON line")
    parser.add_argument("--baseline", help="another checkout: before/after per-type table")
    parser.add_argument("--rounds", type=int, default=3, help="with --baseline: alternations per fixture")
    args = parser.parse_args()
    names = realworld_fixtures() if args.realworld else args.fixtures
    if args.baseline:
        compare(names, args.repeat, args.baseline, args.rounds)
    elif args.types_only:
        rows = type_table(names, args.repeat)
        if args.json:
            import json

            print(json.dumps(rows))
        else:
            print_types(rows)
    else:
        if not args.engines_only:
            run(names, args.repeat, args.endpoint)
        compare_engines(args.engine_fixtures, args.repeat)


if __name__ == "__main__":
    main()
