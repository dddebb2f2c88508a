"""Two `stemma serve` processes on one graph, as on two hosts: nothing shared but Neo4j (no worker table, no
folder). A key revoked through one is refused by the other, a user's burst is spent once in total, version
numbers are one sequence, one host sweeps silent runs, and the second host reaches Neo4j by a neo4j://
routing URI (the single test instance answers routing requests with itself)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from neo4j import Driver

from server.ratelimit import key_id
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import free_port
from tests.serving import ServerProcess
from tests.waiting import until

ME = {"query": "{ me { user } }"}
NO_REFILL = "0.000000001"  # a token a few decades: no test lives to see one come back
BURST = 500
SPENT_FIRST = 300


@pytest.fixture(scope="module")
def hosts(
    neo4j_uri: str, driver: Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Keys remembered for an hour (only the keys generation in Neo4j can make a host forget one), a burst of
    five hundred requests per user that never refills (the session's superuser asks
    the hosts a hundred or so questions in this module), silent runs swept after a second, a step every 0.2 s."""
    settings = {
        "STEMMA_KEY_CACHE_SECONDS": "3600",
        "STEMMA_CLUSTER_SYNC_SECONDS": "0.2",
        "STEMMA_RATE_LIMIT_PER_SECOND": NO_REFILL,
        "STEMMA_RATE_LIMIT_BURST": str(BURST),
        "STEMMA_STALE_RUN_SECONDS": "1",
        "STEMMA_SWEEP_INTERVAL_SECONDS": "0.2",
        "STEMMA_GRAPHQL_EXECUTION": "compiled",
    }
    state = tmp_path_factory.mktemp("two-hosts")
    routing = re.sub(r"^bolt://", "neo4j://", neo4j_uri)
    first = ServerProcess(neo4j_uri, state / "first", free_port(), settings).start()
    second = ServerProcess(routing, state / "second", free_port(), settings).start()
    yield first, second
    first.stop()
    second.stop()


def new_user(api: GraphQLClient, name: str) -> dict[str, str]:
    """A member of acme, and their key's id and secret."""
    api.query('mutation($user: String!) { addMember(entity: "acme", user: $user, role: MEMBER) { role } }', user=name)
    created = api.query("mutation($user: String!) { createApiKey(user: $user) { id key } }", user=name)
    key: dict[str, str] = created["createApiKey"]
    return key


@contextlib.contextmanager
def clients_of(hosts: tuple[ServerProcess, ...], key: str) -> Iterator[tuple[httpx.Client, ...]]:
    """A client of each host that sends `key`."""
    with contextlib.ExitStack() as stack:
        headers = {"authorization": f"Bearer {key}"}
        yield tuple(stack.enter_context(httpx.Client(base_url=host.url, headers=headers)) for host in hosts)


def signed(key: int) -> int:
    return key - (1 << 64) if key >= 1 << 63 else key


def after_two_steps(host: ServerProcess) -> None:
    with GraphQLClient(host.url) as admin:
        admin.after_two_steps()


def test_the_second_host_speaks_to_neo4j_through_a_routing_uri(hosts: tuple[ServerProcess, ServerProcess]) -> None:
    _, second = hosts
    assert second.neo4j_uri.startswith("neo4j://")
    health = httpx.get(f"{second.url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["neo4j"]["version"].startswith("5."), health.text
    with GraphQLClient(second.url) as admin:
        assert admin.query("{ me { user superuser } }")["me"]["superuser"] is True


def test_a_key_revoked_through_one_host_is_refused_by_the_other(
    hosts: tuple[ServerProcess, ServerProcess], api: GraphQLClient
) -> None:
    key = new_user(api, "ana")
    with clients_of(hosts, key["key"]) as (first, second):
        for client in (first, second):  # each host now remembers ana's key as good, for an hour
            assert client.post("/graphql", json=ME).json() == {"data": {"me": {"user": "ana"}}}
        answer = first.post("/graphql", json={"query": f'mutation {{ revokeApiKey(id: "{key["id"]}") }}'})
        assert answer.json() == {"data": {"revokeApiKey": True}}
        assert first.post("/graphql", json=ME).status_code == 401, "the revoking host refuses at once"
        until(lambda: second.post("/graphql", json=ME).status_code == 401, "the other host refusing the key")


def test_a_users_burst_is_spent_once_in_total_across_hosts(
    hosts: tuple[ServerProcess, ServerProcess], api: GraphQLClient, driver: Driver
) -> None:
    first_host, second_host = hosts
    with clients_of(hosts, new_user(api, "rita")["key"]) as (first, second):
        assert [first.post("/graphql", json=ME).status_code for _ in range(SPENT_FIRST)] == [200] * SPENT_FIRST
        until(lambda: spent_in_graph(driver, "rita") == SPENT_FIRST, "the first host leaving rita's requests")
        after_two_steps(second_host)
        answers = [second.post("/graphql", json=ME).status_code for _ in range(BURST - SPENT_FIRST + 1)]
        assert answers == [200] * (BURST - SPENT_FIRST) + [429], "the second host allows only what is left"
        until(lambda: spent_in_graph(driver, "rita") == BURST, "the second host leaving rita's requests")
        after_two_steps(first_host)
        refused = first.post("/graphql", json=ME)
        assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def spent_in_graph(driver: Driver, user: str) -> float:
    """The requests the hosts told each other that `user` made."""
    records, _, _ = driver.execute_query(
        "MATCH (s:StemmaSpend) UNWIND range(0, size(s.keys) - 1) AS i "
        "WITH s, i WHERE s.keys[i] = $key AND s.limiters[i] STARTS WITH 'requests/' "
        "RETURN sum(s.amounts[i]) AS spent",
        key=signed(key_id(user)),
    )
    spent: float = records[0]["spent"]
    return spent


def test_versions_logged_through_both_hosts_are_numbered_in_one_sequence(
    hosts: tuple[ServerProcess, ServerProcess],
) -> None:
    clients = [GraphQLClient(host.url) for host in hosts]
    builders = [Builder(client, entity="acme", project="p") for client in clients]
    runs = [builder.run(f"run-{index}") for index, builder in enumerate(builders)]

    def log(number: int) -> int:
        index = number % 2
        files = {"weights.bin": f"weights {number}".encode()}
        logged = builders[index].log(runs[index], "model", type_="model", files=files)
        version: str = logged["artifact"]["version"]
        return version

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(log, range(16)))
    for client in clients:
        client.http.close()
    assert sorted(versions) == list(range(16))


def test_one_host_sweeps_silent_runs(hosts: tuple[ServerProcess, ServerProcess], api: GraphQLClient) -> None:
    run = api.query('mutation { createRun(input: {entity: "acme", project: "p", runId: "quiet"}) { id } }')

    def crashed() -> bool:
        answer = api.query("query($id: ID!) { run(id: $id) { state } }", id=run["createRun"]["id"])
        return bool(answer["run"]["state"] == "CRASHED")

    until(crashed, "a sweep marking the silent run crashed", poll_seconds=0.2)
    before = [sweeps(host) for host in hosts]
    until(lambda: max(sweeps(host) - then for host, then in zip(hosts, before, strict=True)) >= 5, "five sweeps")
    after = [sweeps(host) for host in hosts]
    assert sorted(now > then for now, then in zip(after, before, strict=True)) == [False, True], (before, after)


def sweeps(host: ServerProcess) -> float:
    with GraphQLClient(host.url) as admin:
        return admin.statements().get("sweep", 0)


def test_a_hosts_new_leader_makes_its_workers_forget_keys_at_its_first_step(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None, api: GraphQLClient
) -> None:
    """A key revoked while this host had no leader stepping (the old one died, or Neo4j was away) may be
    remembered by its workers: the first step of a new leader makes them forget, whatever the generation."""
    from neo4j import AsyncGraphDatabase

    from schema.service import Graph
    from server.cluster import Cluster
    from server.settings import Settings
    from server.shared import SharedState

    api.query('mutation { addMember(entity: "acme", user: "kim", role: MEMBER) { role } }')  # moves the generation

    async def first_step() -> tuple[int, int, bool]:
        shared = SharedState.attach(None)
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth) as driver:
            cluster = Cluster.of(Graph(driver, "neo4j"), shared, (), Settings(cluster_sync_seconds=0.2))
            before = shared.keys_generation
            await cluster.step()
            after_first = shared.keys_generation
            await cluster.step()
            return before, after_first, shared.keys_generation == after_first

    before, after_first, unchanged = asyncio.run(first_step())
    assert after_first == before + 1
    assert unchanged, "later steps forget only when the generation moves"
