"""RESULTS.md: machine, versions, command, date and the tables — medians and p99 with ratios — per graph size.

Each size has its own section between markers, so `make bench SIZE=M` replaces
the M section and keeps the others.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import neo4j

from bench.database import LoadedGraph
from bench.generate import describe
from bench.ingest import IngestResult
from bench.load import percentile
from bench.measure import LineageRow, Memory, RegistryRow

ROOT = Path(__file__).resolve().parent.parent
TITLE = "# Stemma benchmarks\n\nWritten by `make bench SIZE=S|M|L` (`python -m bench.run`); see bench/README.md.\n"


@dataclass
class Report:
    command: str
    graph: LoadedGraph
    neo4j_uri: str
    neo4j_memory: str
    samples: int
    seconds: float
    ingest_seconds: float
    neo4j_version: str = ""
    lineage: list[LineageRow] = field(default_factory=list)
    registry: list[RegistryRow] = field(default_factory=list)
    ingestion: list[IngestResult] = field(default_factory=list)
    memory: Memory = field(default_factory=Memory)
    load_average: list[float] = field(default_factory=list)
    date: str = field(default_factory=lambda: f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def ms(values: list[float], p: float = 50) -> str:
    return f"{percentile(values, p) * 1000:.1f}" if values else "–"


def ratio(a: list[float], b: list[float]) -> float | None:
    return percentile(a, 50) / percentile(b, 50) if a and b else None


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "–"


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    import os

    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def _versions(report: Report) -> str:
    lock = json.loads((ROOT / "bench" / "peer" / "package-lock.json").read_text())["packages"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    commit = _git("rev-parse", "--short", "HEAD")
    others = [line for line in _git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    if others:
        commit += f" plus uncommitted changes to {len(others)} path(s) of the shared working tree"
    return (
        f"Stemma {commit} · Neo4j {report.neo4j_version} ({report.neo4j_memory}) · Python {platform.python_version()}"
        f", neo4j driver {neo4j.__version__} · Node {node}, @neo4j/graphql "
        f"{lock['node_modules/@neo4j/graphql']['version']}, "
        f"@apollo/server {lock['node_modules/@apollo/server']['version']}"
        f", neo4j-driver (JS) {lock['node_modules/neo4j-driver']['version']}"
    )


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=False).stdout.strip()


def lineage_table(rows: list[LineageRow]) -> list[str]:
    lines = [
        "| root | direction | depth | nodes / edges / clusters | Stemma p50 / p99 ms | Stemma's Cypher via driver "
        "p50 ms | server share (Stemma − its Cypher) ms | floor p50 / p99 ms | overhead (Stemma ÷ floor) "
        "| @neo4j/graphql p50 / p99 ms | peer ratio (peer ÷ Stemma) | peer distinct nodes / tree nodes "
        "| Stemma = floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.failed:
            lines.append(f"| {row.root} | {row.direction} | {row.depth} | **failed**: {row.failed} |{' |' * 9}")
            continue
        peer = f"{ms(row.peer)} / {ms(row.peer, 99)}" if row.peer else row.peer_note.strip() or "–"
        lines.append(
            f"| {row.root} | {row.direction} | {row.depth} | {row.nodes} / {row.edges} / {row.clusters} | "
            f"{ms(row.stemma)} / {ms(row.stemma, 99)} | {ms(row.compiled)} | {_difference(row.stemma, row.compiled)} | "
            f"{ms(row.floor)} / {ms(row.floor, 99)} | "
            f"{fmt_ratio(ratio(row.stemma, row.floor))} | {peer} | {fmt_ratio(ratio(row.peer, row.stemma))} | "
            f"{row.peer_nodes} / {row.peer_paths} | {'yes' if row.same_answer else 'NO'} |"
        )
    return lines


def _difference(a: list[float], b: list[float]) -> str:
    return f"{(percentile(a, 50) - percentile(b, 50)) * 1000:.1f}" if a and b else "–"


def registry_table(rows: list[RegistryRow]) -> list[str]:
    lines = [
        "| server | query | concurrency | requests/s | p50 ms | p99 ms | errors | server CPU ms/request "
        "| Neo4j CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        result = row.result
        count = len(result.latencies)
        if row.failed:
            lines.append(f"| {row.server} | {row.query} | {result.concurrency} | **failed**: {row.failed} |{' |' * 5}")
            continue
        lines.append(
            f"| {row.server} | {row.query} | {result.concurrency} | {result.rate:,.0f} | {ms(result.latencies)} | "
            f"{ms(result.latencies, 99)} | {result.errors} | {_per(result.cpu, 'server', count)} | "
            f"{_per(result.cpu, 'neo4j', count)} |"
        )
    return lines


def _per(cpu: dict[str, float], name: str, count: int) -> str:
    return f"{cpu[name] / count * 1000:.2f}" if name in cpu and count else "–"


def ingestion_table(results: list[IngestResult]) -> list[str]:
    lines = [
        "| how | concurrency | runs/s | lineage events/s (use + log) | GraphQL mutations/s | p50 ms | p99 ms "
        "| errors | server CPU ms/run | Neo4j CPU ms/run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.failed:
            lines.append(f"| {r.mode} | {r.concurrency} | **failed**: {r.failed} |{' |' * 7}")
            continue
        lines.append(
            f"| {r.mode} | {r.concurrency} | {r.runs_per_second:,.0f} | {r.events_per_second:,.0f} | "
            f"{r.requests_per_second:,.0f} | {ms(r.request_latencies)} | {ms(r.request_latencies, 99)} | {r.errors} | "
            f"{_per(r.cpu, 'server', r.runs)} | {_per(r.cpu, 'neo4j', r.runs)} |"
        )
    return lines


def memory_table(memory: Memory) -> list[str]:
    lines = ["| process and phase | RSS MiB (peak) |", "|---|---|"]
    lines += [f"| {phase} | {max(values):.0f} |" for phase, values in memory.samples.items()]
    return lines


def targets(report: Report) -> list[str]:
    size = report.graph.facts.size
    rows = report.lineage
    depth4 = [r for r in rows if r.depth == 4]
    worst4 = max((ratio(r.stemma, r.floor) or 0 for r in depth4), default=0)
    slower = [f"{r.root} {r.direction} {r.depth}" for r in rows if r.peer and ratio(r.peer, r.stemma) < 1]
    slower += [
        f"{r.root} {r.direction} {r.depth} (peer {r.peer_note.strip()})" for r in rows if not (r.peer or r.failed)
    ]
    failed = [f"{r.root} {r.direction} {r.depth}" for r in rows if r.failed]
    failed += [f"{r.server} {r.query} x{r.result.concurrency}" for r in report.registry if r.failed]
    failed += [f"ingestion {r.mode} x{r.concurrency}" for r in report.ingestion if r.failed]
    hub8 = [percentile(r.stemma, 50) for r in rows if r.root == "hub" and r.depth == 8]
    alias16 = [r.result for r in report.registry if r.server == "Stemma" and r.result.concurrency == 16]
    reads_ok = all(r.rate >= 1000 and r.percentile(99) < 0.05 for r in alias16)
    ingest = max((r.events_per_second for r in report.ingestion), default=0)
    by_run = max((r.events_per_second for r in report.ingestion if r.batch == 1), default=0)

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    return [
        f"- Every row measured: {verdict(not failed)}" + (f"; failed: {', '.join(failed)}" if failed else ""),
        f"- Lineage end to end ≤ 1.3× the floor at depth 4 (target is for M): worst depth-4 ratio here {worst4:.2f}× "
        f"— {verdict(worst4 <= 1.3)}{'' if size == 'M' else f' (on {size})'}",
        f"- Faster than @neo4j/graphql on every lineage query: {verdict(not slower)}"
        + (f"; not on {', '.join(slower)}" if slower else ""),
        f"- Depth 8 from the biggest hub under 1 s (target is for L): slowest {max(hub8, default=0) * 1000:.0f} ms — "
        f"{verdict(max(hub8, default=0) < 1)}{'' if size == 'L' else f' (on {size})'}",
        "- Registry reads ≥ 1,000 req/s at concurrency 16 with p99 < 50 ms: "
        + ", ".join(f"{r.rate:,.0f} req/s p99 {r.percentile(99) * 1000:.0f} ms" for r in alias16)
        + f" — {verdict(reads_ok)}",
        f"- Ingestion ≥ 1,000 lineage events/s: best {ingest:,.0f}/s with recordRuns batches "
        f"({by_run:,.0f}/s run by run, as the SDK logs) — {verdict(ingest >= 1000)}",
    ]


def section(report: Report) -> str:
    graph = report.graph
    loaded = (
        f"loaded {graph.loaded_at} in {graph.load_seconds:.1f} s — **{graph.rate:,.0f} nodes+relationships/s** "
        f"through bench/loader.py (batched UNWIND, 5,000 rows per transaction)"
        + (" (reused; load figure from that load)" if graph.reused else "")
    )
    size = graph.facts.size
    lines = [
        f"<!-- size:{size} -->",
        f"## Size {size}",
        "",
        f"- Date: {report.date}",
        f"- Command: `{report.command}`",
        f"- Machine: {_machine()}",
        f"- Versions: {_versions(report)}",
        "- Machine load (1-minute load average) at start, after lineage, after registry reads, at end: "
        + " / ".join(f"{value:.1f}" for value in report.load_average)
        + " (2 cores; anything above the benchmark's own use is other work on the machine)",
        f"- Graph: {describe(graph.facts)}; {loaded}",
        f"- Typical root: `{graph.facts.typical}`; biggest hub: `{graph.facts.hub}`",
        f"- Lineage: {report.samples} timed requests per contender after 2 warm-ups, interleaved; clusterThreshold 5, "
        f"maxNodes 500. Registry reads: closed loop, {report.seconds:.0f} s per level after a 1 s warm-up. "
        f"Ingestion: {report.ingest_seconds:.0f} s per level.",
        "",
        "### Targets",
        "",
        *targets(report),
        "",
        "### Lineage",
        "",
        *lineage_table(report.lineage),
        "",
        "### Registry reads",
        "",
        *registry_table(report.registry),
        "",
        "### Ingestion through the API (createRun + useArtifact + logArtifact per run)",
        "",
        *ingestion_table(report.ingestion),
        "",
        "### Server memory (RSS)",
        "",
        *memory_table(report.memory),
        f"<!-- /size:{size} -->",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: Report, path: Path) -> None:
    """Replace this size's section in `path` (keeping other sizes and any text outside the sections)."""
    size = report.graph.facts.size
    text = path.read_text() if path.exists() else TITLE
    pattern = re.compile(rf"<!-- size:{size} -->.*?<!-- /size:{size} -->\n", re.DOTALL)
    new = section(report)
    text = pattern.sub(lambda _: new, text) if pattern.search(text) else _insert_in_order(text, size, new)
    path.write_text(text)


def _insert_in_order(text: str, size: str, new: str) -> str:
    order = "TSML"
    for later in order[order.index(size) + 1 :]:
        marker = f"<!-- size:{later} -->"
        if marker in text:
            return text.replace(marker, new + "\n" + marker, 1)
    return text.rstrip("\n") + "\n\n" + new
