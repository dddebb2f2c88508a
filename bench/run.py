"""`make bench SIZE=S|M|L`: start or reuse the benchmark's Neo4j, load the graph once, measure, write RESULTS.md.

python -m bench.run --size M            # local Neo4j on port 7697, data under bench/.data
python -m bench.run --size T --neo4j-uri bolt://127.0.0.1:7691 --output /tmp/RESULTS.md
python -m bench.run --size S --only ingestion --output /tmp/ingest.md   # one part; the others stay empty
python -m bench.run --size T --only lineage --direction BOTH             # a third of the lineage questions

A row that fails is recorded as failed and the run goes on; the report is written
either way, and the exit status is 1 when any row failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shlex
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase

from bench import measure
from bench.database import DATA, ensure_graph, local_instance
from bench.processes import (
    PEER_KEEP_ALIVE_MS,
    Neo4jTarget,
    Served,
    api_key,
    install_peer,
    peer_server,
    stemma_server,
)
from bench.report import Report, failed_rows, write_report

ROOT = Path(__file__).resolve().parent.parent
# Timed lineage rounds: a multiple of the four contenders, so each takes each turn equally often (measure.order).
SAMPLES = {"T": 4, "S": 16, "M": 16, "L": 8}
LOAD_SECONDS = {"T": 1.0, "S": 5.0, "M": 8.0, "L": 8.0}
INGEST_SECONDS = {"T": 1.0, "S": 8.0, "M": 10.0, "L": 10.0}
PARTS = ("lineage", "registry", "ingestion")


@dataclass
class Options:
    size: str = "S"
    seed: int = 1
    samples: int | None = None
    warm_ups: int = 2  # untimed rounds of each lineage contender, and whether registry levels warm up first
    seconds: float | None = None
    ingest_seconds: float | None = None
    neo4j_uri: str | None = None
    port: int = 7697
    instance: str = "bench"
    stop_neo4j: bool = False
    reload: bool = False
    heap: str = "3g"
    page_cache: str = "3g"
    output: Path = ROOT / "bench" / "RESULTS.md"
    command: str = ""
    peer_keep_alive_ms: int = PEER_KEEP_ALIVE_MS
    parts: tuple[str, ...] = PARTS
    directions: tuple[str, ...] = measure.DIRECTIONS  # of the lineage questions; the smoke test asks fewer


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def caller() -> dict[str, object]:
    """The caller Stemma's server uses when a request carries no credentials."""
    try:
        from cypher.access import ANONYMOUS_SUPERUSER
    except ImportError:
        return {"user": None, "admin": True}
    return dict(ANONYMOUS_SUPERUSER.param())


def run(options: Options) -> Report:
    """The whole benchmark; returns what was written to `options.output`."""
    if options.neo4j_uri is not None:
        return measure_on(options, Neo4jTarget.from_environment(options.neo4j_uri), "external Neo4j", None)
    instance = local_instance(options.port, options.heap, options.page_cache, options.instance)
    started = instance.start()
    log(f"Neo4j {'started' if started else 'already running'} at {instance.uri}")
    try:
        memory = f"heap {options.heap}, page cache {options.page_cache}"
        return measure_on(options, Neo4jTarget(instance.uri, instance.auth), memory, instance.running_pid())
    finally:
        if started and options.stop_neo4j:
            instance.stop()


def measure_on(options: Options, neo4j: Neo4jTarget, memory_note: str, neo4j_pid: int | None) -> Report:
    needs_peer = bool({"lineage", "registry"} & set(options.parts))  # @neo4j/graphql is measured in these
    if needs_peer:
        install_peer()
    samples = options.samples or SAMPLES[options.size]
    seconds = options.seconds or LOAD_SECONDS[options.size]
    ingest_seconds = options.ingest_seconds or INGEST_SECONDS[options.size]
    state = DATA / "servers" / options.instance
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    with GraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver:
        graph = ensure_graph(driver, neo4j, options.size, options.seed, log, options.reload)
        report = Report(options.command, graph, neo4j.uri, memory_note, samples, seconds, ingest_seconds)
        report.warm_ups = options.warm_ups
        report.neo4j_version = _neo4j_version(driver)
        collection_id = measure.collection_id(driver, graph.facts.collection)
        key = api_key(neo4j)
        with contextlib.ExitStack() as servers:  # only the servers the parts measured need
            stemma = servers.enter_context(stemma_server(neo4j, state))
            others: dict[str, Served] = {}
            if "registry" in options.parts:
                others[measure.TWO_WORKERS] = servers.enter_context(stemma_server(neo4j, state / "workers", workers=2))
                others[measure.RESOLVED] = servers.enter_context(
                    stemma_server(neo4j, state / "resolved", execution="resolved")
                )
            peer = None
            if needs_peer:
                peer = servers.enter_context(peer_server(neo4j, state, keep_alive_ms=options.peer_keep_alive_ms))
            for served in (stemma, *others.values()):
                served.headers = {"authorization": f"Bearer {key}"} if key else {}
            report.memory.measure("Stemma idle", stemma)
            if peer is not None:
                report.memory.measure("@neo4j/graphql idle", peer)
            log(f"Stemma at {stemma.url}" + (f", @neo4j/graphql at {peer.url}" if peer else ""))
            report.load_average.append(os.getloadavg()[0])
            if "lineage" in options.parts and peer is not None:
                report.lineage = asyncio.run(
                    measure.lineage(
                        driver, stemma, peer, graph.facts, samples, options.warm_ups, caller(), log, options.directions
                    )
                )
            report.load_average.append(os.getloadavg()[0])
            if "registry" in options.parts and peer is not None:
                report.registry = asyncio.run(
                    measure.registry(
                        stemma,
                        peer,
                        graph.facts,
                        neo4j_pid,
                        collection_id,
                        seconds,
                        options.warm_ups > 0,
                        report.memory,
                        log,
                        others,
                    )
                )
            report.load_average.append(os.getloadavg()[0])
            if "ingestion" in options.parts:
                report.ingestion = asyncio.run(
                    measure.ingestion(driver, stemma, graph.facts, ingest_seconds, report.memory, neo4j_pid, log)
                )
            report.memory.measure("Stemma after", stemma)
            report.load_average.append(os.getloadavg()[0])
    write_report(report, options.output)
    failed = failed_rows(report)
    log(f"wrote {options.output}" + (f"; {len(failed)} row(s) failed: {', '.join(failed)}" if failed else ""))
    return report


def _neo4j_version(driver: object) -> str:
    with driver.session() as session:  # type: ignore[attr-defined]
        record = session.run("CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition").single()
    return f"{record['v']} {record['edition']}"


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["T", "S", "M", "L"], default="S", help="T (~1k nodes, for tests), S, M, L")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, help="timed requests per lineage question and contender")
    parser.add_argument(
        "--warm-ups", type=int, default=2, help="untimed rounds per lineage question first (0: none, nor registry)"
    )
    parser.add_argument("--seconds", type=float, help="seconds per registry-read load level")
    parser.add_argument("--ingest-seconds", type=float, help="seconds per ingestion level")
    parser.add_argument("--neo4j-uri", help="use this Neo4j (its data is replaced) instead of the local one")
    parser.add_argument("--port", type=int, default=7697, help="Bolt port of the benchmark's local Neo4j")
    parser.add_argument(
        "--instance", default="bench", help="name of the local Neo4j and of the servers' folder under bench/.data"
    )
    parser.add_argument("--reload", action="store_true", help="load the graph again even if it is loaded")
    parser.add_argument("--heap", default="3g")
    parser.add_argument("--page-cache", default="3g")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="measure only this part (repeatable); the others stay empty"
    )
    parser.add_argument(
        "--direction",
        choices=measure.DIRECTIONS,
        action="append",
        help="ask the lineage questions in this direction only (repeatable); the report has only their rows",
    )
    args = parser.parse_args(argv)
    return Options(
        size=args.size,
        seed=args.seed,
        samples=args.samples,
        warm_ups=args.warm_ups,
        seconds=args.seconds,
        ingest_seconds=args.ingest_seconds,
        neo4j_uri=args.neo4j_uri,
        reload=args.reload,
        port=args.port,
        instance=args.instance,
        heap=args.heap,
        page_cache=args.page_cache,
        output=args.output,
        parts=tuple(args.only or PARTS),
        directions=tuple(args.direction or measure.DIRECTIONS),
        command=shlex.join(["python", "-m", "bench.run", *argv]),
    )


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    """Run the benchmark; 1 when any row failed (the report is written either way)."""
    return 1 if failed_rows(run(parse(argv))) else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    sys.exit(main(sys.argv[1:]))
