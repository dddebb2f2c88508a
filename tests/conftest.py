"""The test session: one real Neo4j (local, or STEMMA_NEO4J_URI), one real `stemma serve`, a clean graph per test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pytest
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError

from bench.processes import ProcessFailed, free_port
from cypher.accounts import key_hash, new_secret
from cypher.executor import Executor
from cypher.migrate import migrate
from cypher.named import named
from neo4j_local.launcher import LocalNeo4j, LocalNeo4jError
from tests.client import GraphQLClient
from tests.s3 import S3Server
from tests.serving import ROOT, ServerProcess

# Stemma's own bookkeeping, not the graph a test builds: migrations, locks and leases, the keys generation, and
# the tokens hosts tell each other they spent (server/cluster.py). Servers write them whenever they like.
BOOKKEEPING = "StemmaMigration|StemmaLock|StemmaCounter|StemmaSpend"
# Lineage counts are rows that add up, and servers fold a key's rows into one whenever they like
# (statements/fold_lineage_counts.cypher): their sums belong to the graph, their number and ids do not.
FOLDED = "LineageCount"
COUNT_SUMS = """MATCH (k:LineageCount)
WITH k.node AS node, k.side AS side, k.group AS group, k.entity AS entity, k.project AS project,
     sum(k.count) AS count, sum(coalesce(k.onward, 0)) AS onward
WHERE count <> 0 OR onward <> 0
RETURN node, side, group, entity, project, count, onward ORDER BY node, side, group, entity, project"""
W = TypeVar("W", bound="SharedWorld")
CLEAN = """
MATCH (n) WHERE NOT n:StemmaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
"""
ADMIN = "stemma-test-admin"
ADMIN_KEY = new_secret()
RESTORE_ADMIN = """
MERGE (u:User {name: $user}) ON CREATE SET u.superuser = true, u.created_at = datetime()
MERGE (k:ApiKey {id: 'k_test_admin'}) ON CREATE SET k.hash = $hash, k.created_at = datetime()
MERGE (k)-[:OF]->(u)
"""


def clean(graph: Driver) -> None:
    """Empty the graph but for migrations and the session's superuser (whose key every client sends).

    A server folding lineage counts meanwhile may write a key's sum after CLEAN passed it (CLEAN commits in
    batches), leaving an earlier test's count behind; the rows left are deleted under the fold's own lock, after
    which a fold finds nothing to sum."""
    with graph.session() as session:
        session.run(CLEAN).consume()
        session.execute_write(_forget_counts)
        session.run(RESTORE_ADMIN, user=ADMIN, hash=key_hash(ADMIN_KEY)).consume()


def _forget_counts(tx: ManagedTransaction) -> None:
    tx.run(named("lock_lineage_counts")).consume()
    tx.run("MATCH (k:LineageCount) DELETE k").consume()


def unmigrate(graph: Driver) -> None:
    """Drop every constraint, index and node: a database no Stemma has touched."""
    with graph.session() as session:
        for constraint in [record["name"] for record in session.run("SHOW CONSTRAINTS YIELD name")]:
            session.run(f"DROP CONSTRAINT `{constraint}`").consume()
        indexes = session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name")
        for index in [record["name"] for record in indexes]:
            session.run(f"DROP INDEX `{index}`").consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


def count_sums(driver: Driver) -> list[dict[str, Any]]:
    """COUNT_SUMS, read under the fold's own lock (statements/fold_lineage_counts.cypher). A fold deletes a key's
    rows and writes their sum in one transaction, and a read that races its commit may see neither (Neo4j reads
    committed data without a snapshot); holding the lock, the read sees every key before a fold or after it."""

    def read(tx: ManagedTransaction) -> list[dict[str, Any]]:
        tx.run(named("lock_lineage_counts")).consume()
        return tx.run(COUNT_SUMS).data()

    with driver.session() as session:
        return session.execute_write(read)


def graph_state(driver: Driver) -> list[Any]:
    """Every node with its edges (bookkeeping left out), and the lineage counts as the sums their rows make."""
    with driver.session() as session:
        nodes = session.run(
            f"MATCH (n) WHERE NOT n:{BOOKKEEPING} AND NOT n:{FOLDED} OPTIONAL MATCH (n)-[r]->(m) "
            "WITH n, collect([type(r), properties(r), elementId(m)]) AS out "
            "RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props, out ORDER BY id"
        ).data()
    return [*nodes, *count_sums(driver)]


class SharedWorld(Protocol):
    def close(self) -> None:
        """End what the world holds (its clients)."""


@dataclass
class Reused(Generic[W]):
    """A graph the tests of a module marked `shared_graph` share while none of them changes it: built for the
    first test that asks, and built again on an emptied graph for any test that finds the graph other than it
    was just after building (a test before it changed it)."""

    driver: Driver
    built: tuple[W, list[Any]] | None = None

    def get(self, build: Callable[[], W]) -> W:
        if self.built is not None and graph_state(self.driver) == self.built[1]:
            return self.built[0]
        self.end()
        clean(self.driver)
        world = build()
        self.built = (world, graph_state(self.driver))
        return world

    def end(self) -> None:
        if self.built is not None:
            self.built[0].close()
            self.built = None


@pytest.fixture(scope="module")
def reused(driver: Driver) -> Iterator[Reused[Any]]:
    """The module's shared world (see Reused); the module's `world` fixture says how to build it."""
    holder: Reused[Any] = Reused(driver)
    yield holder
    holder.end()


def worker_index(config: pytest.Config) -> int:
    """0 in a plain session; N in pytest-xdist's worker gwN (`make test` runs two)."""
    workerinput: dict[str, object] | None = getattr(config, "workerinput", None)
    return int(str(workerinput["workerid"]).removeprefix("gw")) if workerinput else 0


def session_neo4j(worker: int) -> LocalNeo4j:
    """The local Neo4j of test process `worker` (tests/start_neo4j.py starts them ahead of the session)."""
    port = int(os.environ.get("STEMMA_TEST_NEO4J_PORT", "7688")) + 100 * worker
    return LocalNeo4j(
        state_dir=ROOT / ".stemma",
        name=f"test-{port}",
        port=port,
        heap="1g",
        page_cache="512m",
        tx_timeout_seconds=60,
        port_setting="STEMMA_TEST_NEO4J_PORT",
    )


@pytest.fixture(scope="session")
def neo4j_uri(request: pytest.FixtureRequest) -> Iterator[str]:
    """STEMMA_NEO4J_URI when set; otherwise a local Neo4j 5.26 for tests, reused when one is running on the port,
    and stopped when the session ends unless STEMMA_TEST_KEEP_NEO4J=1 keeps it for the next run. Each xdist
    worker has its own (Neo4j community has one database): STEMMA_TEST_NEO4J_PORT + 100 x the worker's index."""
    uri = os.environ.get("STEMMA_NEO4J_URI")
    if uri:
        if worker_index(request.config):
            pytest.exit("STEMMA_NEO4J_URI serves one test process: run pytest without -n", returncode=3)
        yield uri
        return
    local = session_neo4j(worker_index(request.config))
    try:
        local.start()
    except LocalNeo4jError as exc:
        pytest.exit(f"could not start the local Neo4j for tests: {exc}", returncode=3)
    # Every server and CLI process the tests start reads its credentials from the environment.
    os.environ["STEMMA_NEO4J_USER"], os.environ["STEMMA_NEO4J_PASSWORD"] = local.auth
    yield local.uri
    if os.environ.get("STEMMA_TEST_KEEP_NEO4J") != "1":
        local.stop()


@pytest.fixture(scope="session")
def neo4j_auth(neo4j_uri: str) -> tuple[str, str] | None:
    """STEMMA_NEO4J_USER / _PASSWORD: given, or the local test Neo4j's (set by `neo4j_uri`)."""
    password = os.environ.get("STEMMA_NEO4J_PASSWORD")
    return (os.environ.get("STEMMA_NEO4J_USER", "neo4j"), password) if password else None


@pytest.fixture(scope="session")
def driver(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> Iterator[Driver]:
    """A driver for asserting on the graph directly, as an analyst would; fails fast when Neo4j is unreachable."""
    with GraphDatabase.driver(
        neo4j_uri, auth=neo4j_auth, connection_timeout=5, notifications_min_severity="OFF"
    ) as graph:
        try:
            with graph.session() as session:
                session.run("RETURN 1").consume()
        except (DriverError, Neo4jError, OSError) as exc:
            pytest.exit(f"Neo4j at {neo4j_uri} is unreachable ({exc}); tests need a real Neo4j", returncode=3)
        asyncio.run(_migrate(neo4j_uri, neo4j_auth))
        clean(graph)
        os.environ["STEMMA_API_KEY"] = ADMIN_KEY
        yield graph


async def _migrate(uri: str, auth: tuple[str, str] | None) -> None:
    from neo4j import AsyncGraphDatabase

    async with AsyncGraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF") as graph:
        await migrate(Executor(graph, "neo4j"))


@pytest.fixture
def unmigrated(driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> Iterator[Driver]:
    """The test starts from a database no Stemma has touched; the session's migrations and superuser are
    restored after it."""
    unmigrate(driver)
    yield driver
    asyncio.run(_migrate(neo4j_uri, neo4j_auth))
    clean(driver)


@pytest.fixture(autouse=True)
def no_running_event_loop(request: pytest.FixtureRequest) -> None:
    """Outside the browser tests no event loop may be running when a test starts: asyncio.run() would refuse
    to start, and the failure would look like the test's own. Playwright's loop must end with tests/web."""
    if request.node.path.is_relative_to(ROOT / "tests" / "web"):
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail("an event loop is still running from an earlier test (Playwright's driver outlived tests/web?)")


@pytest.fixture(autouse=True)
def clean_graph(request: pytest.FixtureRequest) -> None:
    """Every test that touches the graph starts from an empty one (migrations kept)."""
    if "driver" not in request.fixturenames and "server" not in request.fixturenames:
        return
    if request.node.get_closest_marker("shared_graph"):
        return
    clean(request.getfixturevalue("driver"))


def serve(process: ServerProcess) -> Iterator[str]:
    """Start `process` for the session (a server that cannot start ends the run: every test would fail) and
    yield its base URL."""
    try:
        process.start()
    except ProcessFailed as exc:
        pytest.exit(str(exc), returncode=3)
    yield process.url
    process.stop()


@pytest.fixture(scope="session")
def server(driver: Driver, neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `stemma serve` (uvicorn in a subprocess) on the test Neo4j; yields its base URL."""
    yield from serve(ServerProcess(neo4j_uri, tmp_path_factory.mktemp("server-state"), free_port()))


S3_BUCKET = "stemma-files"
S3_PREFIX = "team/blobs"
S3_UPLOAD_LIMIT = 20 * 1024 * 1024
S3_PART_BYTES = 5 * 1024 * 1024  # the smallest part S3 takes: a direct upload above it goes up in parts


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3-compatible server, with the bucket the S3-backed Stemma keeps its files in."""
    moto = S3Server(free_port(), tmp_path_factory.mktemp("s3") / "moto.log").start()
    moto.client().create_bucket(Bucket=S3_BUCKET)
    yield moto
    moto.stop()


@pytest.fixture(scope="session")
def s3_server(driver: Driver, neo4j_uri: str, s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second real `stemma serve` on the test Neo4j that keeps file contents in the S3 bucket (no local
    folder), with a 20 MiB upload limit and 5 MiB parts; yields its base URL."""
    environment = {
        **s3.environment,
        "STEMMA_BLOB_URL": f"s3://{S3_BUCKET}/{S3_PREFIX}",
        "STEMMA_S3_ENDPOINT_URL": s3.url,
        "STEMMA_MAX_UPLOAD_BYTES": str(S3_UPLOAD_LIMIT),
        "STEMMA_S3_PART_BYTES": str(S3_PART_BYTES),
    }
    yield from serve(ServerProcess(neo4j_uri, tmp_path_factory.mktemp("s3-server-state"), free_port(), environment))


@pytest.fixture
def api(server: str) -> Iterator[GraphQLClient]:
    with GraphQLClient(server) as client:
        yield client
