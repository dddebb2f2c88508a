"""`stemma serve --workers 2`: two processes on one port that share rate limits and key changes, and do once
what must be done once. Each response names its worker (x-stemma-worker, a debug setting); a keep-alive
connection stays with the worker that accepted it, so a test speaks to a chosen worker through one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from cypher.migrate import load_migrations
from tests.client import GraphQLClient
from tests.conftest import free_port
from tests.serving import ServerProcess
from tests.waiting import until

ME = {"query": "{ me { user } }"}
NO_REFILL = "0.000000001"  # a token a few decades: no test lives to see one come back


def two_workers(neo4j_uri: str, state: Path, settings: dict[str, str]) -> ServerProcess:
    """`stemma serve --workers 2`, both workers started."""
    extra = {"STEMMA_WORKER_HEADER": "true", "STEMMA_ACCESS_LOG": "true", **settings}
    process = ServerProcess(neo4j_uri, state, free_port(), extra, ("--workers", "2")).start()
    until(lambda: len(worker_pids(process)) == 2, "two worker processes started")
    until(lambda: process.log().count("Application startup complete.") == 2, "both workers ready")
    return process


def worker_pids(process: ServerProcess) -> set[int]:
    return {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", process.log())}


def worker(response: httpx.Response) -> int:
    return int(response.headers["x-stemma-worker"])


def connections_to_each_worker(url: str, key: str) -> dict[int, httpx.Client]:
    """A keep-alive connection to each worker, found by opening connections until both have answered one."""
    clients: dict[int, httpx.Client] = {}

    def one_more() -> bool:
        client = httpx.Client(base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=60)
        served_by = worker(client.get("/healthz"))  # open: spends no token, fills no key cache
        if served_by in clients:
            client.close()
        else:
            clients[served_by] = client
        return len(clients) == 2

    until(one_more, "a connection served by each of the two workers", poll_seconds=0.01)
    return clients


def new_user(api: GraphQLClient, name: str) -> dict[str, str]:
    """A member of acme, and their key's id and secret."""
    api.query('mutation($user: String!) { addMember(entity: "acme", user: $user, role: MEMBER) { role } }', user=name)
    created = api.query("mutation($user: String!) { createApiKey(user: $user) { id key } }", user=name)
    key: dict[str, str] = created["createApiKey"]
    return key


@pytest.fixture(scope="module")
def server_of_two(neo4j_uri: str, driver: Driver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Keys remembered for an hour (so only the shared generation can make a worker forget one), silent runs
    swept after a second."""
    settings = {
        "STEMMA_KEY_CACHE_SECONDS": "3600",
        "STEMMA_STALE_RUN_SECONDS": "1",
        "STEMMA_SWEEP_INTERVAL_SECONDS": "0.2",
    }
    process = two_workers(neo4j_uri, tmp_path_factory.mktemp("two-workers"), settings)
    yield process
    process.stop()


def test_two_workers_apply_the_migrations_and_make_the_first_admin_once(
    unmigrated: Driver, neo4j_uri: str, tmp_path: Path
) -> None:
    process = two_workers(neo4j_uri, tmp_path, {})
    try:
        until(lambda: "migrations up to date" in process.log(), "the second worker finding the migrations done")
        log = process.log()
        everything = [m.id for m in load_migrations()]
        assert re.findall(r"applied migrations (.*)", log) == [", ".join(everything)]
        assert log.count("migrations up to date") == 1
        assert log.count("A first superuser 'admin' was created") == 1
        records, _, _ = unmigrated.execute_query("MATCH (m:StemmaMigration) RETURN m.id AS id ORDER BY id")
        assert [r["id"] for r in records] == everything
        keys, _, _ = unmigrated.execute_query("MATCH (k:ApiKey)-[:OF]->(u:User) RETURN u.name AS user")
        assert [r["user"] for r in keys] == ["admin"]
        admin_key = next(line.strip() for line in log.splitlines() if line.strip().startswith("stm_"))
        for pid, client in connections_to_each_worker(process.url, admin_key).items():
            answer = client.post("/graphql", json=ME)
            assert (worker(answer), answer.json()) == (pid, {"data": {"me": {"user": "admin"}}})
            client.close()
    finally:
        process.stop()


def test_a_key_revoked_through_one_worker_is_refused_at_once_by_the_other(
    server_of_two: ServerProcess, api: GraphQLClient
) -> None:
    key = new_user(api, "ana")
    ana = connections_to_each_worker(server_of_two.url, key["key"])
    revoking, other = sorted(ana)
    for pid, client in ana.items():  # each worker now remembers ana's key as good, for an hour
        answer = client.post("/graphql", json=ME)
        assert (worker(answer), answer.json()) == (pid, {"data": {"me": {"user": "ana"}}})

    revoked = ana[revoking].post("/graphql", json={"query": f'mutation {{ revokeApiKey(id: "{key["id"]}") }}'})
    assert (worker(revoked), revoked.json()) == (revoking, {"data": {"revokeApiKey": True}})

    for pid in (other, revoking):
        refused = ana[pid].post("/graphql", json=ME)
        assert (worker(refused), refused.status_code) == (pid, 401)
        assert refused.json()["errors"][0]["message"] == "the API key is unknown or revoked"
        ana[pid].close()


def test_one_worker_sweeps_silent_runs(server_of_two: ServerProcess, api: GraphQLClient) -> None:
    run = api.query('mutation { createRun(input: {entity: "acme", project: "p", runId: "quiet"}) { id } }')

    def crashed() -> bool:
        answer = api.query("query($id: ID!) { run(id: $id) { state } }", id=run["createRun"]["id"])
        return bool(answer["run"]["state"] == "CRASHED")

    until(crashed, "the sweep marking the silent run crashed", poll_seconds=0.2)
    sweepers = [int(pid) for pid in re.findall(r"worker (\d+) leads this host's workers", server_of_two.log())]
    assert len(sweepers) == 1 and sweepers[0] in worker_pids(server_of_two)
    assert server_of_two.log().count("marked 1 silent runs as crashed") == 1


def test_a_keys_rate_limit_holds_in_total_across_workers(neo4j_uri: str, api: GraphQLClient, tmp_path: Path) -> None:
    """Twenty requests in all, wherever they land: not twenty a worker, nor ten."""
    settings = {"STEMMA_RATE_LIMIT_PER_SECOND": NO_REFILL, "STEMMA_RATE_LIMIT_BURST": "20"}
    process = two_workers(neo4j_uri, tmp_path, settings)
    try:
        rita = connections_to_each_worker(process.url, new_user(api, "rita")["key"])
        first, second = sorted(rita)
        answers = [rita[first].post("/graphql", json=ME) for _ in range(20)]
        assert [(worker(answer), answer.status_code) for answer in answers] == [(first, 200)] * 20
        for pid in (second, first):
            refused = rita[pid].post("/graphql", json=ME)
            assert (worker(refused), refused.status_code) == (pid, 429)
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            rita[pid].close()
    finally:
        process.stop()


def test_failed_authentications_are_limited_in_total_across_workers(
    neo4j_uri: str, driver: Driver, tmp_path: Path
) -> None:
    settings = {"STEMMA_AUTH_FAILURES_PER_SECOND": NO_REFILL, "STEMMA_AUTH_FAILURE_BURST": "10"}
    process = two_workers(neo4j_uri, tmp_path, settings)
    try:
        wrong = connections_to_each_worker(process.url, "stm_wrong")
        first, second = sorted(wrong)
        answers = [wrong[first].post("/graphql", json=ME) for _ in range(10)]
        assert [(worker(answer), answer.status_code) for answer in answers] == [(first, 401)] * 10
        for pid in (second, first):
            refused = wrong[pid].post("/graphql", json=ME)
            assert (worker(refused), refused.status_code) == (pid, 429)
            assert "too many failed authentications from 127.0.0.1" in refused.json()["errors"][0]["message"]
            wrong[pid].close()
    finally:
        process.stop()
