"""The floor under a registry read: what a Python server on Stemma's stack spends per `artifact(ref)` request
when it does nothing but the unavoidable, measured beside `stemma serve` in one run.

python -m bench.server_floor                     # on the graph bench.run loaded into the local Neo4j
python -m bench.server_floor --seconds 5 --rounds 5 --concurrency 1,16,64

Three servers answer the benchmark's artifact-by-alias request, each under the same closed-loop load, in turn
(in an order that moves one place each round), and the server's CPU per request is read from /proc
(`CpuMeter`):

- Stemma (`stemma serve`, as bench.run starts it);
- the floor (`bench/floor_app.py`): uvicorn and Starlette as Stemma runs them, with one route that decodes the
  request's JSON, sends Stemma's own compiled statement for it through the async Neo4j driver and writes the
  row back. No key check, no document, no completion;
- uvicorn and Starlette alone: the same route answering a fixed body without Neo4j.

At concurrency 1, Stemma minus the floor is what Stemma's own code costs per request. With requests in flight
together it is not: Stemma sends reads of one text that arrive together as one statement
(`cypher/batching.py`), the floor one statement per request. The floor's answer must name the version Stemma's
does, or its rows are recorded as failed. A row that fails is recorded and the others are measured; the exit
status is then 1. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from neo4j import GraphDatabase

from bench import queries
from bench.database import DATA, loaded_graph, local_instance
from bench.floor_app import STATEMENT
from bench.load import Connection, HttpError, graphql_request
from bench.measure import failure, registry_level
from bench.processes import Neo4jTarget, ProcessFailed, Served, api_key, free_port, stemma_server
from bench.run import caller

SERVERS = ("Stemma", "floor", "bare")
LABELS = {
    "Stemma": "Stemma (`stemma serve`)",
    "floor": "floor: uvicorn + Starlette + Stemma's statement through the driver",
    "bare": "uvicorn + Starlette alone (fixed answer, no Neo4j)",
}
DIFFERENCE = "Stemma − floor (at c1: Stemma's own code)"
ANSWER_SECONDS = 60  # how long the first answer may take before it counts as failed
# What the first answer can fail with: the load generator's errors, a malformed answer, a time-out.
FAILURES = (HttpError, OSError, ValueError, asyncio.LimitOverrunError, asyncio.IncompleteReadError, TimeoutError)


def floor_server(neo4j: Neo4jTarget, state: Path, statement: dict[str, Any] | None) -> Served:
    """uvicorn serving `bench.floor_app:app` with Stemma's options (uvloop and httptools, no access log)."""
    port = free_port()
    env = neo4j.env() | ({STATEMENT: orjson.dumps(statement).decode()} if statement is not None else {})
    command = [sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--port", str(port), "--no-access-log"]
    name = "floor" if statement is not None else "bare"
    return Served(command, port, state / f"{name}.log", "/healthz", env, listening="running on {url}")


@dataclass
class Costs:
    """CPU milliseconds per request, each round's, by server and concurrency; and the rows that failed."""

    rounds: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    errors: dict[tuple[str, int], str] = field(default_factory=dict)

    def median(self, server: str, concurrency: int) -> float | None:
        each = self.rounds.get((server, concurrency))
        return statistics.median(each) if each and (server, concurrency) not in self.errors else None

    def fail(self, server: str, levels: list[int], why: str) -> None:
        self.errors |= {(server, level): why for level in levels}


async def measure(
    servers: dict[str, Served], requests: dict[str, bytes], levels: list[int], seconds: float, rounds: int, costs: Costs
) -> None:
    """Each server at each level in turn, `rounds` times, as bench.run measures a registry level (warmed up in the
    first round); a level that fails is recorded and the others go on."""
    names = list(servers)
    for round_ in range(rounds):
        for concurrency in levels:
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                if (name, concurrency) in costs.errors:
                    continue
                request = requests[name]
                try:
                    result = await registry_level(
                        servers[name], None, "/graphql", request, concurrency, seconds, round_ == 0
                    )
                except Exception as exc:  # a row is the unit of failure: it is recorded, the run goes on
                    costs.errors[(name, concurrency)] = failure(exc)
                    continue
                if result.errors or not result.latencies:
                    costs.errors[(name, concurrency)] = result.first_error or "no answer"
                    continue
                costs.rounds.setdefault((name, concurrency), []).append(
                    result.cpu["server"] / len(result.latencies) * 1000
                )


def table(costs: Costs, levels: list[int]) -> str:
    def cell(server: str, concurrency: int) -> str:
        if (server, concurrency) in costs.errors:
            why = " ".join(costs.errors[(server, concurrency)].split()).replace("|", "/")  # one table cell
            return f"failed: {why[:300]}"
        value = costs.median(server, concurrency)
        return "–" if value is None else f"{value:.2f}"

    lines = ["| server | " + " | ".join(f"c{c}" for c in levels) + " |", "|---|" + "---|" * len(levels)]
    lines += [f"| {LABELS[s]} | " + " | ".join(cell(s, c) for c in levels) + " |" for s in SERVERS]
    differences = []
    for c in levels:
        stemma, under = costs.median("Stemma", c), costs.median("floor", c)
        differences.append("–" if stemma is None or under is None else f"{stemma - under:.2f}")
    lines.append(f"| {DIFFERENCE} | " + " | ".join(differences) + " |")
    return "\n".join(lines)


def the_artifact(answer: bytes) -> dict[str, Any] | None:
    try:
        found = orjson.loads(answer)["data"]["artifact"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return found if isinstance(found, dict) else None


def agree(stemma: bytes, floor: bytes) -> bool:
    """Stemma's answer and the floor's name the same version (the floor's is the statement's map, unfinished)."""
    ours, theirs = the_artifact(stemma), the_artifact(floor)
    fields = ("entity", "project", "name", "version", "digest")
    return (
        ours is not None
        and theirs is not None
        and all(ours.get(f) is not None for f in fields)
        and all(ours.get(f) == theirs.get(f) for f in fields)
    )


async def first_answer(served: Served, request: bytes) -> bytes:
    """One answer, or what went wrong as text."""
    connection = Connection(served.port, "/graphql")
    try:
        status, body = await asyncio.wait_for(connection.send(request), ANSWER_SECONDS)
        return body if status == 200 else f"HTTP {status}: ".encode() + body
    except FAILURES as exc:
        return f"{type(exc).__name__}: {exc}".encode()
    finally:
        connection.close()


def check_answers(started: dict[str, Served], requests: dict[str, bytes], levels: list[int], costs: Costs) -> None:
    """Stemma must answer the artifact, and the floor the same version; a server that does not fails its rows."""
    if "Stemma" not in started:
        if "floor" in started:
            costs.fail("floor", levels, "not checked: Stemma did not start")
        return
    stemma = asyncio.run(first_answer(started["Stemma"], requests["Stemma"]))
    if the_artifact(stemma) is None:
        costs.fail("Stemma", levels, f"no artifact in its answer: {stemma[:200]!r}")
        costs.fail("floor", levels, "not checked: Stemma did not answer the artifact")
    elif "floor" in started:
        under = asyncio.run(first_answer(started["floor"], requests["floor"]))
        if not agree(stemma, under):
            costs.fail("floor", levels, f"its answer is not Stemma's: {under[:200]!r} vs {stemma[:200]!r}")


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
    # The statement for a superuser with no name: the text is the one the benchmark key's superuser gets.
    statement = queries.compiled_artifact(ref, caller())
    state = DATA / "servers" / f"floor-{options.instance}"
    shutil.rmtree(state, ignore_errors=True)
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
                costs.fail(name, levels, f"did not start: {exc}")
        requests = {
            name: graphql_request(served.port, "/graphql", queries.ARTIFACT, {"ref": ref}, headers)
            for name, served in started.items()
        }
        check_answers(started, requests, levels, costs)
        measured = {name: served for name, served in started.items() if (name, levels[0]) not in costs.errors}
        asyncio.run(measure(measured, requests, levels, options.seconds, options.rounds, costs))
    finally:
        for served in servers.values():
            served.stop()
    print(
        f"Server CPU per artifact-by-alias request (ms, median of {options.rounds} rounds of {options.seconds:g} s), "
        f"size {graph.facts.size}, `{ref}`, 1-minute load {os.getloadavg()[0]:.1f} at the end:\n"
    )
    print(table(costs, levels))
    return 1 if costs.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
