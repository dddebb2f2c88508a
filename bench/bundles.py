"""Moving a project: how long `POST /api/v1/import` takes to rebuild chains of runs of growing size (each run
logs one version and uses the one before it, its files left at their URIs so nothing is uploaded), importing the
same bundle again (nothing to write), and `GET /api/v1/export` reading it back; where one transaction can no
longer hold the import, the row says so. Numbers only, printed and written to bench/RESULTS-bundles.md; nothing
is asserted, and a size that fails is a row, never the end of the run.

    .venv/bin/python -m bench.bundles [--runs 500,1000,2000,2800,3500] [--neo4j-uri bolt://…]

Starts (or reuses) its own Neo4j on Bolt port 7696 (1 GB heap, so a quarter of it per transaction, as the local
Neo4j of `make run`; data under bench/.data/). A chain of 50 is imported first, untimed, so that every statement
is planned before the first timed row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.database import DATA, small_neo4j
from bench.processes import api_key, cpu_seconds, stemma_server
from cypher.manifest import check_manifest

OUTPUT = Path(__file__).resolve().parent / "RESULTS-bundles.md"
WHEN = "2026-01-01T00:00:00+00:00"


def chain(runs: int) -> dict[str, Any]:
    """A bundle of `runs` runs in a chain, each using the version the run before logged (files left at their URIs,
    so nothing to upload): `runs` runs and versions, 2 × `runs` - 1 lineage edges."""
    versions, edges = [], []
    for number in range(runs):
        files = [{"path": "part.csv", "digest": f"etag-{number}", "size": 1, "ref": f"s3://lake/part-{number}.csv"}]
        digest = check_manifest(files).digest
        versions.append({"version": number, "digest": digest, "files": files, "state": "committed", "createdAt": WHEN})
        edges.append({"kind": "logged", "run": f"r{number}", "artifact": f"src/p/parts:v{number}", "at": WHEN})
        if number:
            edges.append({"kind": "used", "run": f"r{number}", "artifact": f"src/p/parts:v{number - 1}", "at": WHEN})
    return {
        "format": "stemma-bundle",
        "formatVersion": 1,
        "entity": "src",
        "project": "p",
        "runs": [{"runId": f"r{n}", "name": f"r{n}", "state": "finished", "createdAt": WHEN} for n in range(runs)],
        "collections": [{"name": "parts", "type": "dataset", "createdAt": WHEN, "versions": versions}],
        "edges": edges,
        "registries": [],
    }


@dataclass
class Row:
    runs: int
    body_mb: float
    import_seconds: float | None = None
    import_cpu: float | None = None
    again_seconds: float | None = None
    export_seconds: float | None = None
    failure: str | None = None


def measure(url: str, key: str, pid: int, runs: int) -> Row:
    bundle = chain(runs)
    row = Row(runs, len(httpx.Request("POST", url, json=bundle).content) / 1e6)
    entity = f"chain-{runs}-{uuid.uuid4().hex[:6]}"
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
        before, started = cpu_seconds(pid), time.perf_counter()
        answer = http.post("/api/v1/import", params={"entity": entity}, json=bundle)
        if answer.status_code != 200:
            row.failure = f"HTTP {answer.status_code}: {answer.text[:160]}"
            return row
        row.import_seconds, row.import_cpu = time.perf_counter() - started, cpu_seconds(pid) - before
        started = time.perf_counter()
        http.post("/api/v1/import", params={"entity": entity}, json=bundle).raise_for_status()
        row.again_seconds = time.perf_counter() - started
        started = time.perf_counter()
        http.get("/api/v1/export", params={"project": f"{entity}/p"}).raise_for_status()
        row.export_seconds = time.perf_counter() - started
    return row


def report(rows: list[Row]) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "# Moving a project: import and export of chains",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, load "
        f"{load}) with `python -m bench.bundles`; the local Neo4j has a 1 GB heap. One sample per size, after an "
        "untimed chain of 50.",
        "",
        "| runs | versions | edges | bundle MB | import s | server CPU s | import again s | export s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        head = f"| {row.runs:,} | {row.runs:,} | {2 * row.runs - 1:,} | {row.body_mb:.1f} |"
        if row.failure:
            lines.append(f"{head} failed: {row.failure} | | | |")
        else:
            lines.append(
                f"{head} {row.import_seconds:.1f} | {row.import_cpu:.1f} | {row.again_seconds:.1f} | "
                f"{row.export_seconds:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bundles", description=__doc__)
    parser.add_argument("--runs", default="500,1000,2000,2800,3500")
    parser.add_argument("--neo4j-uri", default=None, help="measure on this Neo4j instead")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    neo4j, local = small_neo4j(options.neo4j_uri, port=7696, name="bench-bundles")
    DATA.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="bundles-", dir=DATA))
    rows: list[Row] = []
    try:
        key = api_key(neo4j)
        if key is None:
            raise RuntimeError("this Stemma has no API keys")
        with stemma_server(neo4j, root / "state") as served:
            measure(served.url, key, served.pid, 50)  # untimed: the server plans its statements once
            for runs in (int(size) for size in options.runs.split(",")):
                try:
                    rows.append(measure(served.url, key, served.pid, runs))
                except Exception as exc:  # one size failing is a row, never the run
                    rows.append(Row(runs, 0.0, failure=f"{type(exc).__name__}: {str(exc)[:160]}"))
                print(rows[-1], flush=True)
    finally:
        if local is not None:
            local.stop()
        shutil.rmtree(root, ignore_errors=True)
    text = report(rows)
    options.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
