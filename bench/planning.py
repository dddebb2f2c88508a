"""How long Neo4j takes to plan Stemma's lineage statement, by direction and depth.

    python -m bench.planning                      # the benchmark's local Neo4j (port 7697), 3 samples
    python -m bench.planning --neo4j-uri bolt://127.0.0.1:7691 --samples 5

Neo4j keeps a plan per statement text. The first lineage question of a given text waits for the plan, and
so does the first after Neo4j decides the graph's statistics have moved enough to plan again. Each sample is
`EXPLAIN CYPHER replan=force`: the plan is made anew and nothing runs, so the figure is planning alone. The
last column is each depth's time over depth 1's, measured in the same run; the statement's text is the same
at every depth, so the ratio stays near 1. A row that fails is printed as failed and the others go on.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from neo4j import AsyncGraphDatabase, Driver, GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

from bench.database import local_instance
from bench.processes import Neo4jTarget
from bench.queries import compiled_lineage
from bench.run import caller
from cypher.executor import Executor
from cypher.migrate import migrate

DIRECTIONS = ("UPSTREAM", "DOWNSTREAM", "BOTH")
DEPTHS = (1, 2, 4, 8, 10)
REF = "bench-team/bench/dataset:v0"  # planning needs no such version: EXPLAIN reads no data


def plan_seconds(driver: Driver, direction: str, depth: int, samples: int) -> float:
    """The median time Neo4j takes to plan the lineage statement at this direction and depth."""
    statement = compiled_lineage(REF, direction, depth, caller())
    times = []
    for _ in range(samples):
        with driver.session() as session:
            started = time.perf_counter()
            session.run(f"EXPLAIN CYPHER replan=force {statement.text}", statement.params).consume()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _migrate(target: Neo4jTarget) -> None:
    async with AsyncGraphDatabase.driver(target.uri, auth=target.auth, notifications_min_severity="OFF") as graph:
        await migrate(Executor(graph, "neo4j"))


def measure(target: Neo4jTarget, samples: int) -> list[str]:
    """One line per direction and depth; a failed row says why and the rest go on."""
    asyncio.run(_migrate(target))
    lines = [f"{'direction':<11} {'depth':>5} {'plan (s)':>9} {'vs depth 1':>11}"]
    with GraphDatabase.driver(target.uri, auth=target.auth, notifications_min_severity="OFF") as driver:
        for direction in DIRECTIONS:
            first: float | None = None
            for depth in DEPTHS:
                try:
                    seconds = plan_seconds(driver, direction, depth, samples)
                except (DriverError, Neo4jError, OSError) as exc:
                    lines.append(f"{direction:<11} {depth:>5} FAILED {type(exc).__name__}: {exc}")
                    continue
                if depth == DEPTHS[0]:
                    first = seconds
                ratio = f"{seconds / first:>10.2f}x" if first else f"{'-':>11}"
                lines.append(f"{direction:<11} {depth:>5} {seconds:>9.2f} {ratio}")
                print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neo4j-uri", help="an existing Neo4j (credentials from STEMMA_NEO4J_USER/_PASSWORD)")
    parser.add_argument("--samples", type=int, default=3, help="plans per direction and depth (median kept)")
    options = parser.parse_args()
    if options.neo4j_uri:
        target = Neo4jTarget.from_environment(options.neo4j_uri)
    else:
        instance = local_instance(heap="1g", page_cache="512m")
        instance.start()
        target = Neo4jTarget(instance.uri, instance.auth)
    print(f"planning the lineage statement on {target.uri}, median of {options.samples}", flush=True)
    measure(target, options.samples)


if __name__ == "__main__":
    main()
