"""What the lineage counts buy, on the loaded graph: each lineage row through the driver, sized from the kept
counts and read from every neighbour (Stemma's statement with `asOf` after everything; the floor with
`counted=False`), interleaved; medians, and whether all four gave the same answer.

python -m bench.counts --port 7697 --samples 9     # the benchmark's Neo4j, with a graph loaded by bench.run
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from neo4j import Driver, GraphDatabase

from bench import queries
from bench.database import loaded_graph, local_instance
from bench.floor import floor_params, floor_query, run_floor
from bench.measure import DEPTHS, DIRECTIONS
from cypher.access import ANONYMOUS_SUPERUSER
from cypher.executor import Statement
from cypher.lineage import compile_lineage
from cypher.printer import Limits
from schema.build import schema
from schema.selection import root_selections

AFTER_EVERYTHING = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
COLUMNS = ("Stemma's Cypher, counts", "the same reading every neighbour (asOf)", "floor, counts", "floor, reading")


def stemma_statement(ref: str, direction: str, depth: int, as_of: dt.datetime | None) -> Statement:
    [selection] = root_selections(schema._schema, queries.LINEAGE, queries.lineage_variables(ref, direction, depth))
    selection.args["asOf"] = as_of
    return compile_lineage(selection, dict(ANONYMOUS_SUPERUSER.param()), Limits())


def row(driver: Driver, ref: str, direction: str, depth: int, samples: int) -> tuple[list[float], bool]:
    """Median milliseconds per column, and whether the four answers agree."""

    def stemma(statement: Statement) -> Callable[[], dict[str, Any]]:
        def ask() -> dict[str, Any]:
            with driver.session() as session:
                record = session.execute_read(lambda tx: tx.run(statement.text, statement.params).single())
            assert record is not None
            return dict(record["result"])

        return ask

    params = floor_params(ref, queries.THRESHOLD, queries.MAX_NODES)
    floors = [floor_query(direction, depth, counted=counted) for counted in (True, False)]
    asks = [
        stemma(stemma_statement(ref, direction, depth, None)),
        stemma(stemma_statement(ref, direction, depth, AFTER_EVERYTHING)),
        *[lambda text=text: run_floor(driver, text, params) for text in floors],
    ]
    times: list[list[float]] = [[] for _ in asks]
    answers: list[dict[str, Any]] = []
    for round_ in range(samples + 2):
        answers = []
        for index, ask in enumerate(asks):
            started = time.perf_counter()
            answers.append(ask())
            if round_ >= 2:
                times[index].append(time.perf_counter() - started)
    shown = [queries.answer_of_stemma(a) for a in answers[:2]] + [queries.answer_of_floor(a) for a in answers[2:]]
    return [statistics.median(t) * 1000 for t in times], all(answer == shown[0] for answer in shown)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.counts", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=7697, help="Bolt port of the benchmark's local Neo4j")
    parser.add_argument("--samples", type=int, default=9)
    args = parser.parse_args()
    instance = local_instance(args.port)
    with GraphDatabase.driver(instance.uri, auth=instance.auth, notifications_min_severity="OFF") as driver:
        loaded = loaded_graph(driver)
        assert loaded is not None, "no benchmark graph is loaded on this Neo4j; run bench.run first"
        facts = loaded.facts
        print(f"Graph {facts.size}, hub {facts.hub} ({facts.hub_consumers:,} consumers), load {os.getloadavg()}")
        print(f"| root | direction | depth | {' | '.join(COLUMNS)} | same answer |")
        print("|---|---|---|" + "---|" * (len(COLUMNS) + 1))
        for root, ref in (("hub", facts.hub), ("typical", facts.typical)):
            for direction in DIRECTIONS:
                for depth in DEPTHS:
                    medians, same = row(driver, ref, direction, depth, args.samples)
                    cells = " | ".join(f"{ms:.1f}" for ms in medians)
                    print(f"| {root} | {direction} | {depth} | {cells} | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
