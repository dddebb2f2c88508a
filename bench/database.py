"""The benchmark's own Neo4j and its graph: started or reused, loaded once per size and seed.

A `:StemmaBenchGraph` marker node, written after the last batch, records which
size and seed are loaded, the facts the benchmark asks from and the load rate;
a half-finished load has no marker, so the next run cleans and loads again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neo4j import AsyncGraphDatabase, Driver, Query

from bench.generate import Facts, generate
from bench.loader import load
from bench.processes import Neo4jTarget
from cypher.executor import Executor
from cypher.migrate import migrate
from neo4j_local.launcher import LocalNeo4j, LocalNeo4jError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
GENERATOR_VERSION = 2  # 2: the loader writes lineage counts (migration 0007)
# Relationships first, 10,000 to a transaction, then the nodes: deleting nodes with their relationships put a
# batch's hubs (the L graph's has 140,000) in one transaction, past Neo4j's memory pool (seen going from L to M).
CLEAN = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) WHERE NOT n:StemmaMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)
# Runs and versions, read from Neo4j's count store: a graph holding more than were loaded keeps the leftovers of
# an interrupted ingestion or profile, whose runs all use the loaded hubs and slow every write that follows.
LINEAGE_NODES = "RETURN COUNT { (:Run) } + COUNT { (:ArtifactVersion) } AS nodes"


APOC = "org.neo4j.procedure:apoc-core:5.26.0:jar:core"


def small_neo4j(uri: str | None, port: int, name: str) -> tuple[Neo4jTarget, LocalNeo4j | None]:
    """The Neo4j named by `uri`, or a small local one of the benchmark's own (started, and returned to be
    stopped) on `port`: for the benchmarks that need one graph, not the big loaded one."""
    if uri:
        return Neo4jTarget.from_environment(uri), None
    local = local_instance(port=port, heap="1g", page_cache="512m", name=name)
    local.start()
    return Neo4jTarget(local.uri, local.auth), local


def local_instance(port: int = 7697, heap: str = "3g", page_cache: str = "3g", name: str = "bench") -> LocalNeo4j:
    """The benchmark's Neo4j, its data under bench/.data, with APOC core for the @neo4j/graphql peer.

    @neo4j/graphql formats DateTime fields with an APOC function. Embedded Neo4j
    finds APOC's extension on the classpath and its procedures in the plugins
    folder, so the benchmark's lib folder links the project's jars and adds APOC."""
    shared = LocalNeo4j(state_dir=ROOT / ".stemma")
    shared.ensure_jars()
    instance = LocalNeo4j(
        state_dir=DATA, name=name, port=port, heap=heap, page_cache=page_cache, tx_timeout_seconds=120
    )
    apoc = _fetch_apoc()
    lib = instance.lib_dir
    if lib.is_symlink():
        lib.unlink()
    lib.mkdir(parents=True, exist_ok=True)
    for jar in [*shared.lib_dir.iterdir(), apoc]:
        link = lib / jar.name
        if not link.exists():
            link.symlink_to(jar.resolve())
    plugins = instance.home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / apoc.name).exists():
        shutil.copy(apoc, plugins / apoc.name)
    return instance


def _fetch_apoc() -> Path:
    folder = DATA / "apoc"
    found = sorted(folder.glob("apoc-core-*.jar"))
    if found:
        return found[-1]
    command = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={APOC}", f"-DoutputDirectory={folder}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = sorted(folder.glob("apoc-core-*.jar"))
    if done.returncode != 0 or not found:
        raise LocalNeo4jError(f"fetching APOC core with Maven failed:\n{done.stdout}{done.stderr}")
    return found[-1]


@dataclass
class LoadedGraph:
    facts: Facts
    load_seconds: float
    loaded_at: str
    reused: bool

    @property
    def rate(self) -> float:
        """Nodes and relationships written per second."""
        return (self.facts.nodes + self.facts.relationships) / self.load_seconds


def migrate_schema(neo4j: Neo4jTarget) -> None:
    async def apply() -> None:
        async with AsyncGraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver:
            await migrate(Executor(driver, "neo4j"))

    asyncio.run(apply())


def loaded_graph(driver: Driver, log: Callable[[str], None] = print) -> LoadedGraph | None:
    with driver.session() as session:
        record = session.run("MATCH (m:StemmaBenchGraph) RETURN m LIMIT 1").single()
        lineage_nodes = session.run(LINEAGE_NODES).single(strict=True)["nodes"]
    if record is None:
        return None
    marker = record["m"]
    if marker.get("generator") != GENERATOR_VERSION:
        return None
    if marker.get("lineage_nodes") != lineage_nodes:
        log(f"the graph holds {lineage_nodes:,} runs and versions, not those loaded: an earlier run left some")
        return None
    facts = Facts(**json.loads(marker["facts"]))
    return LoadedGraph(facts, marker["load_seconds"], marker["loaded_at"], reused=True)


def ensure_graph(
    driver: Driver,
    neo4j: Neo4jTarget,
    size: str,
    seed: int,
    log: Callable[[str], None] = print,
    reload: bool = False,
) -> LoadedGraph:
    """The graph of this size and seed, loaded now unless the marker says it already is (or `reload`)."""
    current = loaded_graph(driver, log)
    if not reload and current is not None and (current.facts.size, current.facts.seed) == (size, seed):
        log(f"graph {size} seed {seed} already loaded ({current.loaded_at})")
        return current
    log("cleaning the benchmark database")
    with driver.session() as session:
        # Each batch commits on its own; the statement around them may outlast the instance's 120 s timeout.
        for statement in CLEAN:
            session.run(Query(statement, timeout=3600)).consume()
    migrate_schema(neo4j)
    started = time.perf_counter()
    graph, facts = generate(size, seed)
    log(
        f"generated {facts.nodes:,} nodes, {facts.relationships:,} relationships in "
        f"{time.perf_counter() - started:.1f} s; loading"
    )
    seconds = load(driver, graph)
    loaded_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with driver.session() as session:
        lineage_nodes = session.run(LINEAGE_NODES).single(strict=True)["nodes"]
        session.run(
            "CREATE (:StemmaBenchGraph {size: $size, seed: $seed, generator: $generator, facts: $facts, "
            "load_seconds: $seconds, loaded_at: $at, lineage_nodes: $lineage_nodes})",
            lineage_nodes=lineage_nodes,
            size=size,
            seed=seed,
            generator=GENERATOR_VERSION,
            facts=json.dumps(dataclasses.asdict(facts)),
            seconds=seconds,
            at=loaded_at,
        ).consume()
    loaded = LoadedGraph(facts, seconds, loaded_at, reused=False)
    log(f"loaded in {seconds:.1f} s ({loaded.rate:,.0f} nodes+relationships/s)")
    return loaded
