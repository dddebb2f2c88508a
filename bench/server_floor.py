"""The floor under a registry read: what a Python server on Stemma's stack spends per `artifact(ref)` request
when it does nothing but the unavoidable, measured beside `stemma serve` in one run.

python -m bench.server_floor                     # on the graph bench.run loaded into the local Neo4j
python -m bench.server_floor --seconds 5 --rounds 5 --concurrency 1,16,64

Three servers answer the benchmark's artifact-by-alias request, each under the same closed-loop load, in turn,
round after round, and the server's CPU per request is read from /proc (`CpuMeter`):

- Stemma (`stemma serve`, as bench.run starts it);
- the floor: uvicorn and Starlette, as Stemma runs them, with one route that reads the body, decodes the JSON,
  sends Stemma's own compiled statement for the request through the async Neo4j driver (an auto-commit read in
  a session kept between requests, as Stemma's executor does) and writes the row back as JSON. No
  authentication, no document parse, no completion: what is left of a request when all of Stemma's own work
  is gone;
- uvicorn and Starlette alone: the same route answering a fixed body without Neo4j.

Stemma minus the floor is what Stemma's own code costs per request. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncSession, GraphDatabase
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import queries
from bench.database import DATA, loaded_graph, local_instance
from bench.load import Connection, HttpError, closed_loop, graphql_request
from bench.processes import CpuMeter, Neo4jTarget, ProcessFailed, Served, api_key, free_port, stemma_server
from bench.run import caller

STATEMENT = "STEMMA_FLOOR_STATEMENT"  # the JSON of {text, params}; unset: answer without Neo4j
FIXED = b'{"data":{"artifact":null}}'


class Floor:
    """The floor server's one piece of state: the driver and its idle read sessions, opened on first use."""

    def __init__(self) -> None:
        given = os.environ.get(STATEMENT)
        self.statement: dict[str, Any] | None = orjson.loads(given) if given else None
        self.driver: AsyncDriver | None = None
        self.idle: list[AsyncSession] = []

    async def read(self) -> list[dict[str, Any]]:
        assert self.statement is not None
        if self.driver is None:
            target = Neo4jTarget.from_environment(os.environ["STEMMA_NEO4J_URI"])
            self.driver = AsyncGraphDatabase.driver(target.uri, auth=target.auth, notifications_min_severity="OFF")
        session = self.idle.pop() if self.idle else self.driver.session(default_access_mode="READ")
        result = await session.run(self.statement["text"], self.statement["params"])
        rows = [dict(zip(record.keys(), record, strict=True)) async for record in result]
        self.idle.append(session)
        return rows

    async def graphql(self, request: Request) -> Response:
        orjson.loads(await request.body())
        if self.statement is None:
            return Response(FIXED, media_type="application/json")
        rows = await self.read()
        body = {"data": {"artifact": rows[0]["result"] if rows else None}}
        return Response(orjson.dumps(body, default=str), media_type="application/json")


floor = Floor()
app = Starlette(
    routes=[
        Route("/graphql", floor.graphql, methods=["POST"]),
        Route("/healthz", lambda request: Response(b"ok"), methods=["GET"]),
    ]
)


def floor_server(neo4j: Neo4jTarget, state: Path, statement: dict[str, Any] | None) -> Served:
    """uvicorn serving `app` with Stemma's own options (uvloop, httptools, no access log)."""
    port = free_port()
    env = neo4j.env() | ({STATEMENT: orjson.dumps(statement).decode()} if statement is not None else {})
    command = [sys.executable, "-m", "uvicorn", "bench.server_floor:app", "--port", str(port), "--no-access-log"]
    name = "floor" if statement is not None else "bare"
    return Served(command, port, state / f"{name}.log", "/healthz", env, listening="running on {url}")


@dataclass
class Costs:
    """CPU milliseconds per request, each round's, by server and concurrency."""

    rounds: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    errors: dict[tuple[str, int], str] = field(default_factory=dict)

    def median(self, server: str, concurrency: int) -> float | None:
        each = self.rounds.get((server, concurrency))
        return statistics.median(each) if each else None


SERVERS = ("Stemma", "floor", "bare")
LABELS = {
    "Stemma": "Stemma (`stemma serve`)",
    "floor": "floor: uvicorn + Starlette + Stemma's statement through the driver",
    "bare": "uvicorn + Starlette alone (fixed answer, no Neo4j)",
}


async def measure(
    servers: dict[str, Served], requests: dict[str, bytes], levels: list[int], seconds: float, rounds: int, costs: Costs
) -> None:
    """Each server at each level in turn, `rounds` times; a level that fails is recorded and the others go on."""
    for name, served in servers.items():  # warm each server (and its pool) up, untimed
        await closed_loop(served.port, "/graphql", [requests[name]], 4, 1.0)
    for _ in range(rounds):
        for concurrency in levels:
            for name, served in servers.items():
                with CpuMeter({name: served.pid}) as meter:
                    result = await closed_loop(served.port, "/graphql", [requests[name]], concurrency, seconds)
                if result.errors or not result.latencies:
                    costs.errors[(name, concurrency)] = result.first_error or "no answer"
                    continue
                cost = meter.used[name] / len(result.latencies) * 1000
                costs.rounds.setdefault((name, concurrency), []).append(cost)


def table(costs: Costs, levels: list[int]) -> str:
    def cell(server: str, concurrency: int) -> str:
        if (server, concurrency) in costs.errors:
            why = " ".join(costs.errors[(server, concurrency)].split()).replace("|", "/")  # one table cell
            return f"failed: {why[:300]}"
        value = costs.median(server, concurrency)
        return "–" if value is None else f"{value:.2f}"

    lines = ["| server | " + " | ".join(f"c{c}" for c in levels) + " |", "|---|" + "---|" * len(levels)]
    lines += [f"| {LABELS[s]} | " + " | ".join(cell(s, c) for c in levels) + " |" for s in SERVERS]
    own = []
    for c in levels:
        stemma, under = costs.median("Stemma", c), costs.median("floor", c)
        own.append("–" if stemma is None or under is None else f"{stemma - under:.2f}")
    lines.append("| Stemma's own code (Stemma − floor) | " + " | ".join(own) + " |")
    return "\n".join(lines)


def agree(stemma: bytes, floor: bytes) -> bool:
    """Stemma's answer and the floor's name the same version (the floor's is the statement's map, unfinished)."""
    try:
        ours, theirs = orjson.loads(stemma)["data"]["artifact"], orjson.loads(floor)["data"]["artifact"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return False
    fields = ("entity", "project", "name", "version", "digest")
    return isinstance(ours, dict) and isinstance(theirs, dict) and all(ours.get(f) == theirs.get(f) for f in fields)


async def first_answer(served: Served, request: bytes) -> bytes:
    """One answer, or what went wrong as text."""
    connection = Connection(served.port, "/graphql")
    try:
        status, body = await connection.send(request)
        return body if status == 200 else f"HTTP {status}: ".encode() + body
    except (HttpError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}".encode()
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="load per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--port", type=int, default=7697, help="the local benchmark Neo4j's Bolt port")
    parser.add_argument("--instance", default="bench")
    parser.add_argument("--heap", default="3g")
    parser.add_argument("--page-cache", default="3g")
    options = parser.parse_args(argv)
    levels = [int(level) for level in options.concurrency.split(",")]
    instance = local_instance(options.port, options.heap, options.page_cache, options.instance)
    instance.start()
    neo4j = Neo4jTarget(instance.uri, instance.auth)
    with GraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver:
        graph = loaded_graph(driver)
    if graph is None:
        print("no benchmark graph is loaded: run python -m bench.run --size S|M|L first", file=sys.stderr)
        return 2
    key = api_key(neo4j)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    ref = graph.facts.alias_ref
    statement = queries.compiled_artifact(ref, caller())
    state = Path(tempfile.mkdtemp(prefix="floor-", dir=DATA))
    servers = {
        "Stemma": stemma_server(neo4j, state / "stemma"),
        "floor": floor_server(neo4j, state, {"text": statement.text, "params": statement.params}),
        "bare": floor_server(neo4j, state, None),
    }
    costs, started = Costs(), {}
    try:
        for name, served in servers.items():
            try:
                started[name] = served.start()
            except ProcessFailed as exc:  # its rows fail; the others are measured
                costs.errors |= {(name, level): f"did not start: {exc}" for level in levels}
        requests = {
            name: graphql_request(served.port, "/graphql", queries.ARTIFACT, {"ref": ref}, headers)
            for name, served in started.items()
        }
        if "Stemma" in started and "floor" in started:  # a floor that answers something else is not measured
            stemma, under = (asyncio.run(first_answer(started[name], requests[name])) for name in ("Stemma", "floor"))
            if not agree(stemma, under):
                differs = f"its answer is not Stemma's: {under[:200]!r} vs {stemma[:200]!r}"
                costs.errors |= {("floor", level): differs for level in levels}
        measured = {name: served for name, served in started.items() if (name, levels[0]) not in costs.errors}
        asyncio.run(measure(measured, requests, levels, options.seconds, options.rounds, costs))
    finally:
        for served in started.values():
            served.stop()
    print(
        f"Server CPU per artifact-by-alias request (ms, median of {options.rounds} rounds of {options.seconds:g} s), "
        f"size {graph.facts.size}, `{ref}`, 1-minute load {os.getloadavg()[0]:.1f} at the end:\n"
    )
    print(table(costs, levels))
    return 1 if costs.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
