"""Object I/O throughput and server memory, against a baseline measured in the same run.

    python bench/storage_io.py [--sizes 64 256] [--small 200]

Starts the real CLI (`python -m cos_ocr_emulator.cli`, disk storage, a temp data dir) as a subprocess and
drives it with the official Python SDK:
- PUT and GET of large objects (bodies streamed from/to files) in MB/s, against the baseline of
  writing the same bytes to a file in the same file system with fsync, and reading them back;
- the server's peak RSS (VmHWM from /proc) after each size: if bodies are streamed, peak memory does
  not grow with object size;
- 1 KiB PUTs per second (each one fsynced and committed before the 200 OK), against fsync'd 1 KiB
  file writes per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from qcloud_cos import CosConfig, CosS3Client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, start_server, stop_server

BUCKET = "examplebucket-1250000000"
MB = 1024 * 1024


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def baseline_write_read(path: Path, source: Path) -> tuple[float, float]:
    """Seconds to copy `source` to `path` with fsync, and to read it back."""
    start = time.perf_counter()
    with open(source, "rb") as src, open(path, "wb") as dst:
        while chunk := src.read(MB):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    written = time.perf_counter() - start
    start = time.perf_counter()
    with open(path, "rb") as fh:
        while fh.read(MB):
            pass
    return written, time.perf_counter() - start


def small_file_baseline(folder: Path, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        with open(folder / f"small-{i}", "wb") as fh:
            fh.write(b"x" * 1024)
            fh.flush()
            os.fsync(fh.fileno())
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[64, 256], help="object sizes in MiB")
    parser.add_argument("--small", type=int, default=200, help="number of 1 KiB PUTs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cos-bench-", dir=ROOT) as tmp:
        work = Path(tmp)
        proc, port = start_server("--data-dir", str(work / "data"))
        try:
            config = CosConfig(
                Region="ap-guangzhou", SecretId="AKIDLOCALEMULATOR", SecretKey="localemulatorsecretkey",
                Scheme="http", IP="127.0.0.1", Port=port,
            )  # fmt: skip
            client = CosS3Client(config, retry=0)
            idle = peak_rss_mb(proc.pid)
            print(f"server peak RSS after start: {idle:.0f} MB")
            print(f"{'size':>8} {'put MB/s':>9} {'disk MB/s':>9} {'put/disk':>8} {'get MB/s':>9} {'read MB/s':>9} "
                  f"{'get/read':>8} {'peak RSS':>9}")  # fmt: skip
            for size in args.sizes:
                source = work / f"src-{size}"
                with open(source, "wb") as fh:
                    for _ in range(size):
                        fh.write(os.urandom(MB))
                disk_w, disk_r = baseline_write_read(work / f"copy-{size}", source)
                start = time.perf_counter()
                with open(source, "rb") as body:
                    client.put_object(Bucket=BUCKET, Key=f"big/{size}", Body=body)
                put = time.perf_counter() - start
                start = time.perf_counter()
                stream = client.get_object(Bucket=BUCKET, Key=f"big/{size}")["Body"].get_raw_stream()
                received = 0
                while chunk := stream.read(MB):
                    received += len(chunk)
                get = time.perf_counter() - start
                assert received == size * MB, received
                print(f"{size:>6}MB {size / put:>9.0f} {size / disk_w:>9.0f} {disk_w / put:>8.2f} {size / get:>9.0f} "
                      f"{size / disk_r:>9.0f} {disk_r / get:>8.2f} {peak_rss_mb(proc.pid):>7.0f}MB")  # fmt: skip
                (work / f"copy-{size}").unlink()
                source.unlink()
            baseline = small_file_baseline(work, args.small)
            start = time.perf_counter()
            for i in range(args.small):
                client.put_object(Bucket=BUCKET, Key=f"small/{i}", Body=b"x" * 1024)
            rate = args.small / (time.perf_counter() - start)
            print(f"1 KiB PUTs: {rate:.0f}/s through the SDK (fsync + SQLite commit each) vs {baseline:.0f}/s "
                  f"fsync'd file writes: ratio {rate / baseline:.2f}")  # fmt: skip
            print(f"peak RSS growth over the run: {peak_rss_mb(proc.pid) - idle:.0f} MB "
                  f"(largest object {max(args.sizes)} MB)")  # fmt: skip
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
