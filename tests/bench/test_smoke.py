"""The benchmark pipeline end to end on a tiny graph, so `make bench` cannot rot. No timing is asserted.

The module's runs share one short-lived benchmark Neo4j: the first starts it and loads
the T graph, the next finds both, and the module stops it at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from bench.database import ensure_graph, loaded_graph, local_instance
from bench.measure import CONCURRENCY, DEPTHS
from bench.processes import ROOT, Neo4jTarget, free_port
from bench.run import Options, run
from bench.server_floor import DIFFERENCE, LABELS

INSTANCE, HEAP, PAGE_CACHE = "bench-smoke", "512m", "256m"
# Each run asks the questions of one direction: a third of the lineage rows, whose planning in Neo4j is most of a
# run's time. BOTH expands both sides; the refusal test asks UPSTREAM. Stemma's answers agree with the floor's in
# every direction in tests/schema/test_lineage_counted_answers.py.
ROOTS = ("typical", "hub")
HANG_GUARD = 900


@pytest.fixture(scope="module")
def bench_port() -> Iterator[int]:
    """The Bolt port of this module's benchmark Neo4j; the instance is stopped when the module ends."""
    port = free_port()
    yield port
    local_instance(port, HEAP, PAGE_CACHE, INSTANCE).stop()


def test_the_benchmark_writes_every_row_and_stemma_agrees_with_the_floor(bench_port: int, tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    options = Options(
        size="T",
        samples=1,
        warm_ups=0,  # no timing is asserted: each contender answers each question once
        seconds=0.3,
        ingest_seconds=0.5,
        port=bench_port,
        instance=INSTANCE,
        heap=HEAP,
        page_cache=PAGE_CACHE,
        output=output,
        command="pytest tests/bench",
        peer_keep_alive_ms=200,  # shorter than most pauses between peer calls: the run reconnects throughout
        directions=("BOTH",),
    )
    report = run(options)

    questions = [(root, "BOTH", depth) for root in ROOTS for depth in DEPTHS]
    assert [(row.root, row.direction, row.depth) for row in report.lineage] == questions
    for row in report.lineage:
        assert row.nodes == row.floor_nodes, row
        assert row.same_answer, row
        assert (len(row.stemma), len(row.compiled), len(row.floor), len(row.peer)) == (1, 1, 1, 1), row
        assert row.peer_nodes >= 1, row
    assert [(r.server, r.query, r.result.concurrency) for r in report.registry] == [
        (server, query, concurrency)
        for server in ("Stemma", "Stemma, 2 workers", "Stemma, resolved", "@neo4j/graphql")
        for query in ("artifact by alias", "page of 20 versions")
        for concurrency in CONCURRENCY
    ]
    assert all(r.result.errors == 0 and r.result.latencies for r in report.registry)
    assert [(r.concurrency, r.batch, r.sdk, r.errors) for r in report.ingestion] == [
        (1, 1, False, 0),
        (16, 1, False, 0),
        (1, 100, False, 0),
        (4, 100, False, 0),
        (16, 1, True, 0),
        (16, 20, True, 0),
    ], [r.first_error for r in report.ingestion]
    assert all(r.request_latencies and r.runs for r in report.ingestion), [(r.mode, r.runs) for r in report.ingestion]

    assert not [row for row in (*report.lineage, *report.registry, *report.ingestion) if row.failed]
    assert report.memory.failed == {}

    text = output.read_text()
    assert text.count("<!-- size:T -->") == 1
    lineage_rows = [line for line in text.splitlines() if line.startswith(("| typical |", "| hub |"))]
    assert len(lineage_rows) == len(questions)
    assert all(line.endswith("| yes |") for line in lineage_rows)
    assert sum(line.startswith(("| Stemma |", "| @neo4j/graphql |")) for line in text.splitlines()) == 12
    assert "- Every row measured: **met**" in text
    for heading in ("### Targets", "### Lineage", "### Registry reads", "### Ingestion", "### Server memory"):
        assert heading in text
    targets = text.split("### Targets")[1].split("### Lineage")[0]
    for target in (
        "- Machine load while measuring: 1-minute load average ",
        "- Registry reads at concurrency 16 ≥ 1.5× @neo4j/graphql's requests/s, p99 < 50 ms, both queries: "
        "artifact by alias ",
        "- Lineage end to end ≤ 1.3× the floor at depth 4, every row (target is for M): ",
        "- Faster than @neo4j/graphql on every lineage row (target is for S, M and L): ",
        "- Server CPU ≤ 0.5 ms per artifact-by-alias request: ",
        "- Depth 8 from the biggest hub under 1 s (target is for L): ",
        "- Ingestion ≥ 1,000 lineage events/s: ",
        "- SDK-style ingestion at concurrency 16 ≥ 1,000 lineage events/s (issue 18): ",
    ):
        assert f"\n{target}" in targets, target
    assert targets.count("**met**") + targets.count("**missed**") == 8


def test_a_row_the_server_refuses_is_recorded_as_failed_and_the_run_goes_on(bench_port: int, tmp_path: Path) -> None:
    """Stemma started with a lineage depth limit of 4 refuses every depth-8 question: those rows fail, every
    other row is measured, the report is written, and the command's exit status is 1. Only the lineage part
    runs (`--only lineage`): the others are measured by the test above and stay empty here."""
    output = tmp_path / "RESULTS.md"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--size",
        "T",
        "--samples",
        "1",
        "--warm-ups",
        "0",
        "--seconds",
        "0.3",
    ]
    command += ["--ingest-seconds", "0.5", "--port", str(bench_port), "--instance", INSTANCE]
    command += ["--heap", HEAP, "--page-cache", PAGE_CACHE, "--output", str(output), "--only", "lineage"]
    command += ["--direction", "UPSTREAM"]
    env = {**os.environ, "STEMMA_LINEAGE_MAX_DEPTH": "4"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG_GUARD, check=False)

    assert done.returncode == 1, done.stdout + done.stderr
    text = output.read_text()
    lineage_rows = [line for line in text.splitlines() if line.startswith(("| typical |", "| hub |"))]
    questions = [(root, "UPSTREAM", depth) for root in ROOTS for depth in DEPTHS]
    assert [tuple(line.split(" | ")[:3]) for line in lineage_rows] == [
        (f"| {root}", direction, str(depth)) for root, direction, depth in questions
    ]
    for line, (_, _, depth) in zip(lineage_rows, questions, strict=True):
        if depth == 8:
            assert " | **failed**: HttpError: HTTP 200: " in line, line
            assert "depth must be between 1 and 4" in line, line
        else:
            assert line.endswith("| yes |"), line
    other_rows = ("| Stemma |", "| @neo4j/graphql |", "| run by run", "| recordRuns", "| SDK Api()")
    assert not [line for line in text.splitlines() if line.startswith(other_rows)]
    failed = ", ".join(f"lineage {root} UPSTREAM 8" for root in ROOTS)
    assert f"- Every row measured: **missed**; failed: {failed}\n" in text
    assert f"; {len(ROOTS)} row(s) failed: {failed}" in done.stdout


def test_a_graph_holding_runs_an_earlier_run_left_is_loaded_again(bench_port: int) -> None:
    """The loaded graph is reused only while it holds the runs and versions it was loaded with: the runs of an
    interrupted ingestion or profile all use the loaded hubs and would slow every write measured after them.
    The runs above removed their ingestion projects, so the graph they loaded is reused here."""
    instance = local_instance(bench_port, HEAP, PAGE_CACHE, INSTANCE)
    instance.start()
    left_behind = "team-0/interrupted/run-1"
    said: list[str] = []
    with GraphDatabase.driver(instance.uri, auth=instance.auth, notifications_min_severity="OFF") as driver:
        ensure_graph(driver, Neo4jTarget(instance.uri, instance.auth), "T", 1, log=said.append)
        assert not [line for line in said if "left" in line], said
        loaded = loaded_graph(driver, said.append)
        assert loaded is not None and (loaded.facts.size, loaded.facts.seed) == ("T", 1)

        driver.execute_query("CREATE (:Run {id: $id})", id=left_behind)
        try:
            assert loaded_graph(driver, said.append) is None
            assert said[-1].endswith("runs and versions, not those loaded: an earlier run left some"), said
        finally:
            driver.execute_query("MATCH (r:Run {id: $id}) DELETE r", id=left_behind)
        assert loaded_graph(driver, said.append) is not None


def test_the_file_benchmark_measures_every_mode(neo4j_uri: str, driver: object, tmp_path: Path) -> None:
    """`python -m bench.files` on the test Neo4j with a small file: a row per mode, none failed."""
    from bench.files import MODES

    output = tmp_path / "RESULTS-files.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.files", "--megabytes", "8", "--neo4j-uri", neo4j_uri, "--output", str(output)],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line for line in output.read_text().splitlines() if line.startswith("| ") and "MiB/s" not in line]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == list(MODES)
    assert not [row for row in rows if "failed" in row]


def test_the_server_floor_measures_stemma_beside_the_floor_at_each_level(bench_port: int) -> None:
    """`python -m bench.server_floor` on the T graph: Stemma, the floor and bare uvicorn + Starlette each get a
    CPU figure at each level, and the floor answered the version Stemma did (else it exits 1)."""
    instance = local_instance(bench_port, HEAP, PAGE_CACHE, INSTANCE)
    instance.start()
    with GraphDatabase.driver(instance.uri, auth=instance.auth, notifications_min_severity="OFF") as driver:
        ensure_graph(driver, Neo4jTarget(instance.uri, instance.auth), "T", 1, log=lambda line: None)
    command = [sys.executable, "-m", "bench.server_floor", "--seconds", "0.3", "--rounds", "1", "--concurrency", "1,4"]
    command += ["--port", str(bench_port), "--instance", INSTANCE, "--heap", HEAP, "--page-cache", PAGE_CACHE]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD, check=False)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line.strip("| ").split(" | ") for line in done.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row[0] for row in rows] == [*LABELS.values(), DIFFERENCE]
    assert all(len(row) == 3 for row in rows), rows
    for row in rows[:3]:
        assert all(float(cell) > 0 for cell in row[1:]), row
    stemma, floor, _, difference = rows
    for level in (1, 2):
        assert abs(float(difference[level]) - (float(stemma[level]) - float(floor[level]))) < 0.02, rows  # each rounded
