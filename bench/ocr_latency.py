"""OCR latency and accuracy on the fixtures, in one run: `python bench/ocr_latency.py [--repeat 5]`.

Per fixture (median of --repeat runs, after one warm-up):
  cli      `OMP_THREAD_LIMIT=1 tesseract IMG - -l chi_sim+eng` : the tuned CLI, same languages as ours
  plain    `pytesseract.image_to_string(img)` with defaults (eng, OpenMP threads left on)
  <type>   OcrService.recognize_sync with the tesserocr backend, for each API type (seconds and CER)
  pyt      OcrService general with the pytesseract backend (what the CLI costs inside our pipeline)
then the ratios cli/general, cli/efficient (the same work as the CLI: no OSD or deskew) and
pyt/general. The end-to-end measurement through the emulator's HTTP endpoint and the COS SDK is
a separate hook, `measure_endpoint()`, run only with --endpoint.
"""

from __future__ import annotations

import argparse
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

from emulator.config import Settings  # noqa: E402
from emulator.ocr.pipeline import OcrService  # noqa: E402
from emulator.ocr.request import TYPES, OcrRequest  # noqa: E402
from fixtures.manifest import Fixture, cer, fixtures  # noqa: E402

DEFAULT_FIXTURES = ["scan_en.png", "rot90_en.png", "photo_en.jpg", "zh.png", "handwriting.jpg", "tiny_text.png"]


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


def measure_endpoint(endpoint: str, fx: Fixture, repeat: int) -> float | None:
    """HOOK (HTTP layer): median seconds for one OCR call through the emulator at `endpoint` via the SDK.

    To be filled in by the HTTP owner: upload `fx` to a bucket, call `ci_ocr_process`, time it.
    Returns None until then, and the column prints as "-".
    """
    return None


def run(names: list[str], repeat: int, endpoint: str | None) -> None:
    manifest = fixtures()
    ours = OcrService(Settings(ocr_engine="tesserocr", ocr_workers=1))
    cli_backend = OcrService(Settings(ocr_engine="pytesseract", ocr_workers=1))
    header = ["fixture", "cli", "plain", *TYPES, "pyt", "cli/gen", "cli/eff", "pyt/gen", "http"]
    print(" ".join(f"{h:>11}" for h in header))
    ratios: dict[str, list[float]] = {"cli": [], "eff": [], "pyt": []}
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
        http = measure_endpoint(endpoint, fx, repeat) if endpoint else None
        cells += [f"{t_pyt:.2f}s", f"{t_cli / general:.2f}x", f"{t_cli / timings['efficient']:.2f}x"]
        cells.append(f"{t_pyt / general:.2f}x")
        cells.append(f"{http:.2f}s" if http is not None else "-")
        print(" ".join(f"{c:>11}" for c in cells), flush=True)
    print(
        f"median ratios: tuned CLI / ours(general) = {statistics.median(ratios['cli']):.2f}x, "
        f"tuned CLI / ours(efficient, the same work: no OSD) = {statistics.median(ratios['eff']):.2f}x, "
        f"ours on the CLI backend / ours(general) = {statistics.median(ratios['pyt']):.2f}x "
        "(type cells: seconds/CER)"
    )
    ours.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixtures", nargs="*", default=DEFAULT_FIXTURES)
    parser.add_argument("--endpoint", help="emulator base URL for the end-to-end column (HTTP + SDK)")
    args = parser.parse_args()
    run(args.fixtures, args.repeat, args.endpoint)


if __name__ == "__main__":
    main()
