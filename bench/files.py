"""Moving one large artifact (1 GiB by default) with the SDK: `run.log_artifact` and `artifact.download()`, with the
server's files in an S3-compatible store (moto's standalone server, on this machine) and the bytes either going
through the server (`STEMMA_S3_PRESIGNED_SECONDS=0`) or straight between the SDK and the store through presigned
URLs; a server keeping files in its own folder for reference. Numbers only, printed and written to
bench/RESULTS-files.md; nothing is asserted. A mode that fails is recorded as failed; the others go on.

    .venv/bin/python -m bench.files [--megabytes 1024] [--samples 1] [--neo4j-uri bolt://…]

Starts (or reuses) its own Neo4j on Bolt port 7699 (data under bench/.data/). Each sample logs new random content
(an identical file would not be sent again), so the upload is a real one; its time includes the SDK hashing the
file, as a user waits for both, and the download's includes checking the sha256 of what arrived. The server's CPU
seconds during each transfer show where the bytes went.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import DATA, small_neo4j
from bench.processes import Neo4jTarget, Served, api_key, cpu_seconds, free_port, stemma_server

OUTPUT = Path(__file__).resolve().parent / "RESULTS-files.md"
BUCKET = "bench-files"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
MODES = {
    "S3, presigned URLs (direct)": {"STEMMA_S3_PRESIGNED_SECONDS": "300"},
    "S3, through the server": {"STEMMA_S3_PRESIGNED_SECONDS": "0"},
    "folder on the server's disk": None,
}


@dataclass
class Measured:
    """One mode's samples: seconds and server CPU seconds of each upload and download."""

    upload_seconds: list[float] = field(default_factory=list)
    upload_cpu: list[float] = field(default_factory=list)
    download_seconds: list[float] = field(default_factory=list)
    download_cpu: list[float] = field(default_factory=list)
    failure: str | None = None


def log(message: str) -> None:
    print(f"[bench.files {dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def random_file(path: Path, megabytes: int) -> None:
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))


@contextmanager
def moto(state: Path) -> Iterator[str]:
    """moto's S3-compatible server with the benchmark's bucket; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with Served(command, port, state / "moto.log", "/", S3_CREDENTIALS, listening="Running on {url}") as served:
        import boto3

        boto3.client("s3", endpoint_url=served.url, **_boto_credentials()).create_bucket(Bucket=BUCKET)
        yield served.url


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": S3_CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def measure_mode(
    neo4j: Neo4jTarget, key: str, settings: dict[str, str] | None, s3_url: str, work: Path, options: argparse.Namespace
) -> Measured:
    import stemma

    measured = Measured()
    project = f"{work.name}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"  # new on every run: the graph stays
    served = stemma_server(neo4j, work / "state")
    if settings is not None:
        served.env |= {
            **S3_CREDENTIALS,
            **settings,
            "STEMMA_BLOB_URL": f"s3://{BUCKET}/{work.name}",
            "STEMMA_S3_ENDPOINT_URL": s3_url,
        }
    served.env["STEMMA_MAX_UPLOAD_BYTES"] = str(2 * options.megabytes * 1024 * 1024 + 1)
    os.environ.update({"STEMMA_BASE_URL": served.url, "STEMMA_API_KEY": key, **S3_CREDENTIALS})
    with served:
        # A first small artifact, not measured: Neo4j plans each statement once, and the first time is slow.
        warm = work / "warm-up.bin"
        random_file(warm, 1)
        with stemma.init(entity="bench-files", project=project) as run:
            run.log_artifact(warm, name="warm-up", type="dataset")
        stemma.Api().artifact(f"bench-files/{project}/warm-up:v0").download(work / "warm-up")
        for sample in range(options.samples):
            source = work / f"sample-{sample}.bin"
            random_file(source, options.megabytes)
            before, started = cpu_seconds(served.pid), time.perf_counter()
            with stemma.init(entity="bench-files", project=project) as run:
                run.log_artifact(source, name=f"big-{sample}", type="dataset")
            measured.upload_seconds.append(time.perf_counter() - started)
            measured.upload_cpu.append(cpu_seconds(served.pid) - before)
            target = work / f"download-{sample}"
            before, started = cpu_seconds(served.pid), time.perf_counter()
            stemma.Api().artifact(f"bench-files/{project}/big-{sample}:v0").download(target)
            measured.download_seconds.append(time.perf_counter() - started)
            measured.download_cpu.append(cpu_seconds(served.pid) - before)
            if (target / source.name).stat().st_size != source.stat().st_size:
                raise RuntimeError("the downloaded file is not the size of the uploaded one")
            source.unlink()
            shutil.rmtree(target)
            log(
                f"  sample {sample}: up {measured.upload_seconds[-1]:.1f} s, down {measured.download_seconds[-1]:.1f} s"
            )
    return measured


def report(results: dict[str, Measured], megabytes: int, hash_seconds: float, samples: int) -> str:
    def rate(seconds: list[float]) -> str:
        return f"{megabytes / statistics.median(seconds):.0f}"

    lines = [
        f"# One {megabytes} MiB artifact up and down",
        "",
        f"`python -m bench.files --megabytes {megabytes} --samples {samples}`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
        f" UTC, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average"
        f" {os.getloadavg()[0]:.1f}. Store: moto's S3 server on the same machine (Python, in memory), so the direct"
        " rows measure the SDK and that store; a real S3 is faster and elsewhere. Medians of the samples; the SDK's"
        f" own sha256 of the file takes {hash_seconds:.1f} s ({megabytes / hash_seconds:.0f} MiB/s) and is in every"
        " upload and download.",
        "",
        "| mode | upload MiB/s | upload s | server CPU s | download MiB/s | download s | server CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, measured in results.items():
        if measured.failure is not None:
            lines.append(f"| {mode} | failed: {measured.failure} ||||||")
            continue
        lines.append(
            f"| {mode} | {rate(measured.upload_seconds)} | {statistics.median(measured.upload_seconds):.1f} |"
            f" {statistics.median(measured.upload_cpu):.1f} | {rate(measured.download_seconds)} |"
            f" {statistics.median(measured.download_seconds):.1f} | {statistics.median(measured.download_cpu):.1f} |"
        )
    return "\n".join([*lines, ""])


def hash_time(work: Path, megabytes: int) -> float:
    import hashlib

    source = work / "hash.bin"
    random_file(source, megabytes)
    started = time.perf_counter()
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
    elapsed = time.perf_counter() - started
    source.unlink()
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.files", description=__doc__)
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--neo4j-uri", default=None, help="measure on this Neo4j instead")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    neo4j, local = small_neo4j(options.neo4j_uri, port=7699, name="bench-files")
    DATA.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="files-", dir=DATA))  # its own: runs side by side never share files
    results: dict[str, Measured] = {}
    try:
        key = api_key(neo4j)
        if key is None:
            raise RuntimeError("this Stemma has no API keys")
        hashing = hash_time(root, options.megabytes)
        with moto(root) as s3_url:
            for index, (mode, settings) in enumerate(MODES.items()):
                log(f"{mode}: {options.samples} x {options.megabytes} MiB")
                work = root / f"mode-{index}"
                work.mkdir()
                try:
                    results[mode] = measure_mode(neo4j, key, settings, s3_url, work, options)
                except Exception as exc:  # one mode failing is a row, never the run
                    traceback.print_exc()
                    results[mode] = Measured(failure=f"{type(exc).__name__}: {str(exc)[:200]}")
                shutil.rmtree(work, ignore_errors=True)
    finally:
        if local is not None:
            local.stop()
        shutil.rmtree(root, ignore_errors=True)
    text = report(results, options.megabytes, hashing, options.samples)
    options.output.write_text(text)
    print(text)
    return 1 if any(measured.failure for measured in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
