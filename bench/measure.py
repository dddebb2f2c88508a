"""The measurements, side by side: lineage (Stemma, its own Cypher, the floor, the peer), registry reads, ingestion.

Lineage samples are interleaved — one request of each contender in turn, in an
order that changes each round (`order`) — so all see the same cache states, and
none always comes right after the same other one. Every contender is warmed up
first, so Neo4j's plan cache holds each statement before timing starts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from bench import queries
from bench.floor import floor_params, floor_query, run_floor
from bench.generate import Facts
from bench.ingest import BATCH, SDK_BATCHES, IngestResult, ingest, ingest_batches, ingest_sdk, remove_project, upload
from bench.load import Connection, HttpError, LoadResult, closed_loop, graphql_request
from bench.processes import CpuMeter, Served

DEPTHS = (2, 4, 8)
DIRECTIONS = ("UPSTREAM", "DOWNSTREAM", "BOTH")
CONCURRENCY = (1, 16, 64)
PEER_TIMEOUT = 60.0
STEMMA_TIMEOUT = 120.0
LEVEL_SPARE_SECONDS = 120.0  # how long past its load a registry level may take before it counts as failed


@dataclass
class LineageRow:
    root: str
    ref: str
    direction: str
    depth: int
    stemma: list[float] = field(default_factory=list)
    compiled: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    nodes: int = 0
    edges: int = 0
    clusters: int = 0
    floor_nodes: int = 0
    same_answer: bool = False
    peer_nodes: int = 0
    peer_paths: int = 0
    peer_note: str = ""
    peer_timed_out: bool = False
    failed: str = ""


@dataclass
class RegistryRow:
    server: str
    query: str
    result: LoadResult
    failed: str = ""


@dataclass
class Memory:
    samples: dict[str, list[float]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, phase: str, value: float) -> None:
        self.samples.setdefault(phase, []).append(value)

    def measure(self, phase: str, server: Served) -> bool:
        """Add the server's RSS now to `phase`; a process that cannot be read fails that row, not the run."""
        try:
            self.add(phase, server.rss_mb())
        except OSError as exc:
            self.failed.setdefault(phase, failure(exc))
            return False
        return True

    def peak(self, phase: str) -> float:
        return max(self.samples.get(phase, [0.0]))


async def _timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await call()
    return time.perf_counter() - started, answer


async def lineage(
    driver: Driver,
    stemma: Served,
    peer: Served,
    facts: Facts,
    samples: int,
    warm_ups: int,
    caller: dict[str, Any],
    log: Callable[[str], None],
    directions: tuple[str, ...] = DIRECTIONS,
) -> list[LineageRow]:
    """Every lineage question in `directions`, from the typical node and from the biggest hub, by all four
    contenders."""
    stemma_http = Connection(stemma.port, "/graphql", stemma.headers)
    peer_http = Connection(peer.port, "/")
    rows = []
    try:
        for root, ref in (("typical", facts.typical), ("hub", facts.hub)):
            for direction in directions:
                for depth in DEPTHS:
                    row = LineageRow(root, ref, direction, depth)
                    try:
                        await _lineage_row(driver, stemma_http, peer_http, row, samples, warm_ups, caller)
                    except Exception as exc:  # a row is the unit of failure: it is recorded, the run goes on
                        row.failed = failure(exc)
                        stemma_http.close()
                        peer_http.close()
                    log(
                        f"lineage {root} {direction} depth {depth}: Stemma {_ms(row.stemma)} floor {_ms(row.floor)} "
                        f"peer {_ms(row.peer)}{row.peer_note} (nodes {row.nodes}, same answer {row.same_answer})"
                        + (f" FAILED {row.failed}" if row.failed else "")
                    )
                    rows.append(row)
    finally:
        stemma_http.close()
        peer_http.close()
    return rows


def failure(exc: BaseException) -> str:
    """What broke a row, in one line for the report."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return what.replace("\n", " ").replace("|", "/")[:200]


def _ms(values: list[float]) -> str:
    return f"{sorted(values)[len(values) // 2] * 1000:.1f} ms" if values else "-"


async def _lineage_row(
    driver: Driver,
    stemma_http: Connection,
    peer_http: Connection,
    row: LineageRow,
    samples: int,
    warm_ups: int,
    caller: dict[str, Any],
) -> None:
    variables = queries.lineage_variables(row.ref, row.direction, row.depth)
    compiled = queries.compiled_lineage(row.ref, row.direction, row.depth, caller)
    floor_text = floor_query(row.direction, row.depth)
    floor_args = floor_params(row.ref, queries.THRESHOLD, queries.MAX_NODES)
    peer_text = queries.peer_lineage(row.direction, row.depth)
    peer_args = queries.peer_root(collection_id(driver, row.ref.rsplit(":", 1)[0]), row.ref)

    async def ask_stemma() -> dict[str, Any]:
        answer = await asyncio.wait_for(stemma_http.graphql(queries.LINEAGE, variables), STEMMA_TIMEOUT)
        return dict(answer["data"]["lineage"])

    async def ask_compiled() -> dict[str, Any]:
        with driver.session() as session:
            record = session.execute_read(lambda tx: tx.run(compiled.text, compiled.params).single())
        assert record is not None
        return dict(record["result"])

    async def ask_floor() -> dict[str, Any]:
        return run_floor(driver, floor_text, floor_args)

    async def ask_peer() -> dict[str, Any]:
        answer = await asyncio.wait_for(peer_http.graphql(peer_text, peer_args), PEER_TIMEOUT)
        return dict(answer["data"])

    contenders: list[tuple[list[float], Callable[[], Awaitable[dict[str, Any]]]]] = [
        (row.stemma, ask_stemma),
        (row.compiled, ask_compiled),
        (row.floor, ask_floor),
        (row.peer, ask_peer),
    ]
    answers: dict[int, dict[str, Any]] = {}
    peer_ok = True
    for round_ in range(warm_ups + samples):
        for index in order(len(contenders), round_):
            times, ask = contenders[index]
            if ask is ask_peer and not peer_ok:
                continue
            try:
                seconds, answer = await _timed(ask)
            except (TimeoutError, HttpError, OSError) as exc:
                if ask is not ask_peer:
                    raise
                peer_ok = False  # the peer's failure is noted; Stemma's row stands
                row.peer_timed_out = isinstance(exc, TimeoutError)
                row.peer_note = (
                    f" timeout after {PEER_TIMEOUT:.0f} s" if row.peer_timed_out else f" error: {failure(exc)[:120]}"
                )
                continue
            answers[index] = answer
            if round_ >= warm_ups:
                times.append(seconds)
    stemma_answer = queries.answer_of_stemma(answers[0])
    floor_answer = queries.answer_of_floor(answers[2])
    row.nodes, row.edges = len(stemma_answer["nodes"]), len(stemma_answer["edges"])
    row.clusters = len(stemma_answer["clusters"])
    row.floor_nodes = len(floor_answer["nodes"])
    row.same_answer = stemma_answer == floor_answer == queries.answer_of_stemma(answers[1])
    if 3 in answers:
        ids, paths = queries.peer_node_ids(answers[3])
        row.peer_nodes, row.peer_paths = len(ids), paths


def order(count: int, round_: int) -> list[int]:
    """The contenders' turns in round `round_`: a Williams design (0, 1, n-1, 2, n-2, …, shifted by one each round),
    so over `count` rounds (an even number of contenders) each takes each place once and follows each other one
    once. In a fixed order, each came always after the same other one: Stemma after the peer's request, on caches
    the peer had just filled, and the floor after Stemma's own statement, on caches warm for the same nodes."""
    first, low, high = [0], 1, count - 1
    while low <= high:
        first.append(low)
        if low != high:
            first.append(high)
        low, high = low + 1, high - 1
    return [(turn + round_) % count for turn in first]


def collection_id(driver: Driver, collection: str) -> str:
    """The id of ENTITY/PROJECT/NAME, as a client of the peer would look it up once."""
    entity, project, name = collection.split("/")
    with driver.session() as session:
        record = session.run(
            "MATCH (c:ArtifactCollection {entity: $e, project: $p, name: $n}) RETURN c.id AS id",
            e=entity,
            p=project,
            n=name,
        ).single()
    assert record is not None, f"no collection {collection}"
    return str(record["id"])


def _check(answer: bytes, what: str) -> None:
    body = json.loads(answer)
    if body.get("errors") or not body.get("data"):
        raise HttpError(f"{what} answered {answer[:400]!r}")


TWO_WORKERS = "Stemma, 2 workers"
RESOLVED = "Stemma, resolved"  # Strawberry resolving every field: what compiled execution saves


async def registry(
    stemma: Served,
    peer: Served,
    facts: Facts,
    neo4j_pid: int | None,
    collection_id: str,
    seconds: float,
    warm_up: bool,
    memory: Memory,
    log: Callable[[str], None],
    variants: Mapping[str, Served] | None = None,
) -> list[RegistryRow]:
    """Artifact by alias and a page of versions, on both servers (and on Stemma's `variants`: 2 worker
    processes, field-by-field resolution), at each concurrency."""
    entity, project, name = facts.collection.split("/")
    alias = facts.alias_ref.rsplit(":", 1)[1]
    stemmas = {"Stemma": stemma, **(variants or {})}
    requests = {
        **{
            (label, query): (server, "/graphql", text, {"ref": ref})
            for label, server in stemmas.items()
            for query, text, ref in (
                ("artifact by alias", queries.ARTIFACT, facts.alias_ref),
                ("page of 20 versions", queries.VERSIONS, facts.collection),
            )
        },
        ("@neo4j/graphql", "artifact by alias"): (
            peer,
            "/",
            queries.PEER_ARTIFACT,
            {"collection": collection_id, "alias": alias},
        ),
        ("@neo4j/graphql", "page of 20 versions"): (
            peer,
            "/",
            queries.PEER_VERSIONS,
            {"entity": entity, "project": project, "name": name},
        ),
    }
    rows = []
    for (server_name, query), (server, path, text, variables) in requests.items():
        request = graphql_request(server.port, path, text, variables, server.headers)
        for concurrency in CONCURRENCY:
            row = RegistryRow(server_name, query, LoadResult(concurrency, seconds))
            sampler = asyncio.create_task(_sample_rss(server, memory, f"{server_name} registry"))
            try:
                row.result = await registry_level(server, neo4j_pid, path, request, concurrency, seconds, warm_up)
            except Exception as exc:  # a row is the unit of failure: it is recorded, the run goes on
                row.failed = failure(exc)
            finally:
                sampler.cancel()
            result = row.result
            log(
                f"{server_name} {query} x{concurrency}: {result.rate:,.0f} req/s, p50 "
                f"{result.percentile(50) * 1000:.1f} ms, p99 {result.percentile(99) * 1000:.1f} ms, "
                f"errors {result.errors} {result.first_error}" + (f" FAILED {row.failed}" if row.failed else "")
            )
            rows.append(row)
    return rows


async def registry_level(
    server: Served, neo4j_pid: int | None, path: str, request: bytes, concurrency: int, seconds: float, warm_up: bool
) -> LoadResult:
    """One checked request, a warm-up (when `warm_up`), then `seconds` of closed-loop load with the CPU each
    process spent; a server that stops answering fails the level (TimeoutError) instead of holding the run."""
    bound = seconds + min(1.0, seconds) * warm_up + LEVEL_SPARE_SECONDS
    try:
        return await asyncio.wait_for(_loaded(server, neo4j_pid, path, request, concurrency, seconds, warm_up), bound)
    except TimeoutError as exc:
        raise TimeoutError(f"the level took over {bound:.0f} s: the server stopped answering") from exc


async def _loaded(
    server: Served, neo4j_pid: int | None, path: str, request: bytes, concurrency: int, seconds: float, warm_up: bool
) -> LoadResult:
    connection = Connection(server.port, path, server.headers)
    try:
        _check((await connection.send(request))[1], server.url + path)
    finally:
        connection.close()
    if warm_up:
        await closed_loop(server.port, path, [request], concurrency, min(1.0, seconds))
    with CpuMeter({"server": server.pid, "neo4j": neo4j_pid}) as meter:
        result = await closed_loop(server.port, path, [request], concurrency, seconds)
    result.cpu = meter.used
    return result


async def _sample_rss(server: Served, memory: Memory, phase: str) -> None:
    while memory.measure(phase, server):
        await asyncio.sleep(0.2)


async def ingestion(
    driver: Driver,
    stemma: Served,
    facts: Facts,
    seconds: float,
    memory: Memory,
    neo4j_pid: int | None,
    log: Callable[[str], None],
) -> list[IngestResult]:
    """Runs with one use and one log each, run by run at concurrency 1 and 16, in recordRuns batches at
    concurrency 1 and 4, and through the SDK's record_runs at concurrency 16, each into a project removed
    afterwards."""
    entity = facts.dataset_ref.split("/")[0]
    api_key = stemma.headers.get("authorization", "").removeprefix("Bearer ")
    results = []
    levels = [(1, 1, False), (16, 1, False), (1, BATCH, False), (4, BATCH, False)]
    for concurrency, batch, sdk in [*levels, *((16, size, True) for size in SDK_BATCHES)]:
        project = f"bench-ingest-{int(time.time())}-{concurrency}-{batch}-{int(sdk)}"
        sampler = asyncio.create_task(_sample_rss(stemma, memory, "Stemma ingestion"))
        try:
            digest = upload(stemma.url, stemma.headers)
            with CpuMeter({"server": stemma.pid, "neo4j": neo4j_pid}) as meter:
                if sdk:
                    args = (stemma.url, api_key, entity, project, facts.dataset_ref, concurrency, seconds, batch)
                    result = await asyncio.to_thread(ingest_sdk, *args)
                else:
                    way = ingest if batch == 1 else ingest_batches
                    result = await way(
                        stemma.port, stemma.headers, entity, project, facts.dataset_ref, digest, concurrency, seconds
                    )
            result.cpu = meter.used
        except Exception as exc:  # a row is the unit of failure: it is recorded, the run goes on
            result = IngestResult(concurrency, batch=batch, seconds=seconds, failed=failure(exc), sdk=sdk)
        finally:
            sampler.cancel()
        try:
            remove_project(driver, entity, project)
        except (Neo4jError, DriverError, OSError) as exc:  # the measurement stands; its runs stay behind
            log(f"could not remove {entity}/{project}: {failure(exc)}")
        log(
            f"ingestion {result.mode} x{concurrency}: {result.runs_per_second:,.0f} runs/s, "
            f"{result.events_per_second:,.0f} lineage events/s, errors {result.errors} {result.first_error}"
            + (f" FAILED {result.failed}" if result.failed else "")
        )
        results.append(result)
    return results
