"""RESULTS.md: machine, versions, command, date and the tables — medians and p99 with ratios — per graph size.

Each size has its own section between markers, so `make bench SIZE=M` replaces
the M section and keeps the others.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import neo4j

from bench.database import LoadedGraph
from bench.generate import describe
from bench.ingest import IngestResult
from bench.load import LoadResult, percentile
from bench.measure import PEER_TIMEOUT, RESOLVED, TWO_WORKERS, LineageRow, Memory, RegistryRow

ROOT = Path(__file__).resolve().parent.parent
PEER = "@neo4j/graphql"
REGISTRY_QUERIES = ("artifact by alias", "page of 20 versions")
STEMMAS = {"Stemma": "1 worker", TWO_WORKERS: "2 workers"}
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
    warm_ups: int = 2
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
    for phase in {**memory.samples, **memory.failed}:
        if phase in memory.failed:
            lines.append(f"| {phase} | **failed**: {memory.failed[phase]} |")
        else:
            lines.append(f"| {phase} | {max(memory.samples[phase]):.0f} |")
    return lines


def failed_rows(report: Report) -> list[str]:
    """Every row of the report that could not be measured, named as in its table."""
    failed = [f"lineage {r.root} {r.direction} {r.depth}" for r in report.lineage if r.failed]
    failed += [f"{r.server} {r.query} x{r.result.concurrency}" for r in report.registry if r.failed]
    failed += [f"ingestion {r.mode} x{r.concurrency}" for r in report.ingestion if r.failed]
    failed += [f"memory {phase}" for phase in report.memory.failed]
    return failed


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _name(row: LineageRow) -> str:
    return f"{row.root} {row.direction} {row.depth}"


def _level(report: Report, server: str, query: str, concurrency: int) -> LoadResult | None:
    """The load level's result when it was measured and served at least one request."""
    for row in report.registry:
        if (row.server, row.query, row.result.concurrency) == (server, query, concurrency):
            return None if row.failed or not row.result.latencies else row.result
    return None


def _load_target(report: Report) -> str:
    loads = report.load_average
    span = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "not recorded"
    return (
        f"- Machine load while measuring: 1-minute load average {span} on {os.cpu_count()} cores "
        "(by phase in the list above)"
    )


def _registry_target(report: Report) -> str:
    figures, ok = [], True
    for query in REGISTRY_QUERIES:
        theirs = _level(report, PEER, query, 16)
        resolved = _level(report, RESOLVED, query, 16)
        measured = [(label, level) for label in STEMMAS if (level := _level(report, label, query, 16)) is not None]
        if not measured or theirs is None:
            figures.append(f"{query} not measured")
            ok = False
            continue
        label, ours = max(measured, key=lambda pair: pair[1].rate)  # judged on the better of 1 and 2 workers
        times = ours.rate / theirs.rate
        ok = ok and times >= 1.5 and ours.percentile(99) < 0.05
        shapes = ", ".join(f"{level.rate:,.0f} req/s with {STEMMAS[name]}" for name, level in measured)
        if resolved is not None:
            shapes += f"; {resolved.rate:,.0f} req/s resolving every field"
        figures.append(
            f"{query} {ours.rate:,.0f} ({label}) vs {theirs.rate:,.0f} req/s ({times:.2f}×), "
            f"p99 {ours.percentile(99) * 1000:.0f} ms [{shapes}]"
        )
    return (
        "- Registry reads at concurrency 16 ≥ 1.5× @neo4j/graphql's requests/s, p99 < 50 ms, both queries: "
        + "; ".join(figures)
        + f" — {verdict(ok)}"
    )


def _floor_target(report: Report) -> str:
    size = report.graph.facts.size
    rows = [r for r in report.lineage if r.depth == 4]
    ratios = {_name(r): ratio(r.stemma, r.floor) for r in rows if not r.failed}
    over = [f"{name} {fmt_ratio(value)}" for name, value in ratios.items() if value is None or value > 1.3]
    over += [f"{_name(r)} failed" for r in rows if r.failed]
    worst = max((value for value in ratios.values() if value is not None), default=None)
    return (
        f"- Lineage end to end ≤ 1.3× the floor at depth 4, every row (target is for M): {len(rows) - len(over)} of "
        f"{len(rows)} rows, worst {fmt_ratio(worst)}"
        + (f"; over: {', '.join(over)}" if over else "")
        + f" — {verdict(bool(rows) and not over)}{'' if size == 'M' else f' (on {size})'}"
    )


def _peer_target(report: Report) -> str:
    rows = report.lineage
    behind = []
    for row in rows:
        if row.failed:
            behind.append(f"{_name(row)} failed")
        elif row.peer:
            if percentile(row.peer, 50) <= percentile(row.stemma, 50):
                behind.append(f"{_name(row)} {fmt_ratio(ratio(row.peer, row.stemma))}")
        elif not (row.peer_timed_out and row.stemma and max(row.stemma) < PEER_TIMEOUT):
            behind.append(f"{_name(row)} not compared (peer{row.peer_note})")
    return (
        f"- Faster than @neo4j/graphql on every lineage row (target is for S, M and L): {len(rows) - len(behind)} "
        f"of {len(rows)} rows"
        + (f"; not on {', '.join(behind)}" if behind else "")
        + f" — {verdict(bool(rows) and not behind)}"
    )


def _cpu_target(report: Report) -> str:
    levels = [r for r in report.registry if (r.server, r.query) == ("Stemma", "artifact by alias")]
    costs = [
        (r.result.concurrency, r.result.cpu["server"] / len(r.result.latencies) * 1000)
        for r in levels
        if not r.failed and r.result.latencies and "server" in r.result.cpu
    ]
    ok = bool(levels) and len(costs) == len(levels) and all(cost <= 0.5 for _, cost in costs)
    figures = ", ".join(f"{cost:.2f} ms at concurrency {concurrency}" for concurrency, cost in costs)
    return (
        f"- Server CPU ≤ 0.5 ms per artifact-by-alias request: {figures or 'not measured'}"
        + (f" ({len(levels) - len(costs)} level(s) not measured)" if len(costs) < len(levels) else "")
        + f" — {verdict(ok)}"
    )


def targets(report: Report) -> list[str]:
    """Issue 13's targets and the standing depth-8 and ingestion ones, each met or missed with its figures."""
    size = report.graph.facts.size
    failed = failed_rows(report)
    hub8 = [percentile(r.stemma, 50) for r in report.lineage if r.root == "hub" and r.depth == 8 and r.stemma]
    ingest = max((r.events_per_second for r in report.ingestion if not r.failed), default=0)
    by_run = max((r.events_per_second for r in report.ingestion if r.batch == 1 and not r.failed), default=0)
    sdk = max(
        (r.events_per_second for r in report.ingestion if r.sdk and r.concurrency == 16 and not r.failed), default=0
    )
    return [
        _load_target(report),
        f"- Every row measured: {verdict(not failed)}" + (f"; failed: {', '.join(failed)}" if failed else ""),
        _registry_target(report),
        _floor_target(report),
        _peer_target(report),
        _cpu_target(report),
        f"- Depth 8 from the biggest hub under 1 s (target is for L): slowest {max(hub8, default=0) * 1000:.0f} ms — "
        f"{verdict(bool(hub8) and max(hub8) < 1)}{'' if size == 'L' else f' (on {size})'}",
        f"- Ingestion ≥ 1,000 lineage events/s: best {ingest:,.0f}/s with recordRuns batches "
        f"({by_run:,.0f}/s run by run, as a live SDK run logs) — {verdict(ingest >= 1000)}",
        f"- SDK-style ingestion at concurrency 16 ≥ 1,000 lineage events/s (issue 18): best {sdk:,.0f}/s through "
        f"the SDK's record_runs — {verdict(sdk >= 1000)}",
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
        f"- Lineage: {report.samples} timed requests per contender after {report.warm_ups} warm-ups, interleaved "
        "in an order that changes each round; "
        f"clusterThreshold 5, maxNodes 500. Registry reads: closed loop, {report.seconds:.0f} s per level "
        + (f"after a {min(1.0, report.seconds):g} s warm-up. " if report.warm_ups else "with no warm-up. ")
        + f"Ingestion: {report.ingest_seconds:.0f} s per level.",
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
