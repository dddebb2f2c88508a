"""Where Stemma's server spends its time: py-spy samples `stemma serve` under each benchmark load.

    python -m bench.profile            # on the graph `make bench` loaded last

For each load (lineage at depth 4, registry reads at concurrency 16, ingestion at
concurrency 16) it writes a flame graph (SVG) and the collapsed stacks under
bench/.data/profiles/, and prints the functions with the most samples,
inclusive, grouped by the package they live in. Needs py-spy (`pip install py-spy`).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from neo4j import GraphDatabase

from bench import queries
from bench.database import DATA, loaded_graph, local_instance
from bench.ingest import ingest, remove_project, upload
from bench.load import Connection, closed_loop, graphql_request
from bench.processes import Neo4jTarget, Served, api_key, stemma_server

OUT = DATA / "profiles"
SECONDS = 12.0


def record(server: Served, name: str, load: Callable[[], Awaitable[object]]) -> Path:
    """py-spy samples the server while `load` runs; returns the collapsed stacks."""
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"{name}.txt"
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [
        spy,
        "record",
        "--pid",
        str(server.pid),
        "--duration",
        str(int(SECONDS)),
        "--rate",
        "200",
        "--nonblocking",
    ]
    flame = subprocess.Popen([*command, "--format", "raw", "--output", str(raw)], stdout=subprocess.DEVNULL)
    asyncio.run(load())
    flame.wait()
    return raw


def _package(frame: str) -> str:
    """`strawberry`, `neo4j`, `server`… from a py-spy frame `function (path/file.py:line)`."""
    path = frame.rpartition("(")[2].rstrip(")")
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    return path.split("/")[0] if "/" in path else path.split(".")[0]


STAGES = {
    "GraphQL validation (graphql-core validate)": "validate (graphql/validation/validate.py",
    "GraphQL parsing": "parse (graphql/language/parser.py",
    "Strawberry request-limit extensions": "strawberry/extensions/",
    "Stemma's selection → Cypher compile": "compile_",
    "the Neo4j driver (sessions, Bolt I/O, decoding)": "neo4j/",
}


def stages(raw: Path) -> list[str]:
    """Inclusive share of samples in each stage of a request."""
    total = 0
    hits = dict.fromkeys(STAGES, 0)
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for stage, marker in STAGES.items():
            if marker in stack:
                hits[stage] += int(count)
    return [f"  {100 * n / total:5.1f}%  {stage}" for stage, n in hits.items()]


def summary(raw: Path, top: int = 12) -> list[str]:
    """Samples by the package of the innermost frame (self time), the busiest innermost functions,
    and Stemma's own functions by inclusive share."""
    own: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        frames = stack.split(";")
        total += samples
        own[_package(frames[-1])] += samples
        leaf[frames[-1]] += samples
        for frame in set(frames):
            if _package(frame) in ("server", "schema", "cypher"):
                inclusive[frame] += samples

    def share(counter: Counter[str]) -> list[str]:
        return [f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top)]

    return [
        f"{total} samples; stages (inclusive):",
        *stages(raw),
        "self time by package:",
        *share(own),
        "busiest innermost functions:",
        *share(leaf),
        "Stemma's own functions, inclusive:",
        *share(inclusive),
    ]


def main() -> None:
    instance = local_instance()
    instance.start()
    neo4j = Neo4jTarget(instance.uri, instance.auth)
    with GraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver:
        graph = loaded_graph(driver)
        assert graph is not None, "no benchmark graph loaded: run `make bench` first"
        facts = graph.facts
        key = api_key(neo4j)
        headers = {"authorization": f"Bearer {key}"} if key else {}
        state = Path(tempfile.mkdtemp(prefix="stemma-profile-", dir=DATA))
        with stemma_server(neo4j, state) as server:
            port = server.port
            lineage = graphql_request(
                port, "/graphql", queries.LINEAGE, queries.lineage_variables(facts.typical, "BOTH", 4), headers
            )
            alias = graphql_request(port, "/graphql", queries.ARTIFACT, {"ref": facts.alias_ref}, headers)
            digest = upload(server.url, headers)
            entity = facts.dataset_ref.split("/")[0]

            async def warm() -> None:
                connection = await Connection(port, "/graphql", headers).open()
                for request in (lineage, alias):
                    await connection.send(request)
                connection.close()

            asyncio.run(warm())
            loads: dict[str, Callable[[], Awaitable[object]]] = {
                "lineage-depth4-c1": lambda: closed_loop(port, "/graphql", [lineage], 1, SECONDS),
                "artifact-by-alias-c16": lambda: closed_loop(port, "/graphql", [alias], 16, SECONDS),
                "ingestion-c16": lambda: ingest(
                    port, headers, entity, "bench-profile", facts.dataset_ref, digest, 16, SECONDS
                ),
            }
            for name, load in loads.items():
                raw = record(server, name, load)
                print(f"\n## {name} ({raw})")
                print("\n".join(summary(raw)))
            remove_project(driver, entity, "bench-profile")


if __name__ == "__main__":
    main()
