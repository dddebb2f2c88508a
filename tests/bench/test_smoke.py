"""The benchmark pipeline end to end on a tiny graph, so `make bench` cannot rot. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

from bench.measure import CONCURRENCY, DEPTHS, DIRECTIONS
from bench.processes import free_port
from bench.run import Options, run


def test_the_benchmark_writes_every_row_and_stemma_agrees_with_the_floor(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    options = Options(
        size="T",
        samples=1,
        seconds=0.3,
        ingest_seconds=0.5,
        port=free_port(),
        instance="bench-smoke",
        stop_neo4j=True,
        heap="512m",
        page_cache="256m",
        output=output,
        command="pytest tests/bench",
        peer_keep_alive_ms=200,  # shorter than most pauses between peer calls: the run reconnects throughout
    )
    report = run(options)

    questions = [(root, d, depth) for root in ("typical", "hub") for d in DIRECTIONS for depth in DEPTHS]
    assert [(row.root, row.direction, row.depth) for row in report.lineage] == questions
    for row in report.lineage:
        assert row.nodes == row.floor_nodes, row
        assert row.same_answer, row
        assert (len(row.stemma), len(row.compiled), len(row.floor), len(row.peer)) == (1, 1, 1, 1), row
        assert row.peer_nodes >= 1, row
    assert [(r.server, r.query, r.result.concurrency) for r in report.registry] == [
        (server, query, concurrency)
        for server in ("Stemma", "@neo4j/graphql")
        for query in ("artifact by alias", "page of 20 versions")
        for concurrency in CONCURRENCY
    ]
    assert all(r.result.errors == 0 and r.result.latencies for r in report.registry)
    assert [(r.concurrency, r.errors) for r in report.ingestion] == [(1, 0), (16, 0), (1, 0), (4, 0)]
    assert all(r.request_latencies and r.runs for r in report.ingestion)
    assert {r.batch for r in report.ingestion} == {1, 100}

    assert not [row for row in (*report.lineage, *report.registry, *report.ingestion) if row.failed]

    text = output.read_text()
    assert text.count("<!-- size:T -->") == 1
    lineage_rows = [line for line in text.splitlines() if line.startswith(("| typical |", "| hub |"))]
    assert len(lineage_rows) == len(questions)
    assert all(line.endswith("| yes |") for line in lineage_rows)
    assert sum(line.startswith(("| Stemma |", "| @neo4j/graphql |")) for line in text.splitlines()) == 12
    assert "- Every row measured: **met**" in text
    for heading in ("### Targets", "### Lineage", "### Registry reads", "### Ingestion", "### Server memory"):
        assert heading in text
