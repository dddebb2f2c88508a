"""Neo4j falls over: requests answer UNAVAILABLE, the server recovers alone, the SDK's ingest loses nothing."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stemma
from neo4j import Driver, GraphDatabase

from neo4j_local.launcher import LocalNeo4j
from tests.conftest import ROOT, free_port
from tests.serving import ServerProcess

ARTIFACTS = 30  # half before the outage, half after it
HALF = ARTIFACTS // 2


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[LocalNeo4j]:
    """A Neo4j of this test's own, since it is stopped and started again."""
    local = LocalNeo4j(
        state_dir=ROOT / ".stemma", name=f"outage-{tmp_path.name}", port=free_port(), heap="512m", page_cache="128m"
    )
    local.start()
    yield local
    local.stop()
    shutil.rmtree(local.home, ignore_errors=True)


def ingest(url: str, key: str, root: Path, done: list[int], half_logged: threading.Event) -> None:
    try:
        with stemma.init(
            project="ingest", entity="outage", job_type="prepare", name="bulk", base_url=url, api_key=key
        ) as run:
            for number in range(ARTIFACTS):
                path = root / f"part-{number}.txt"
                path.write_text(f"part {number}")
                run.log_artifact(str(path), name=f"part-{number}", type="dataset")
                done.append(number)
                if number == HALF - 1:
                    half_logged.set()
    finally:
        half_logged.set()  # a failed ingest wakes the test too, which then finds fewer than HALF


def unavailable_answers(process: ServerProcess) -> int:
    """How many requests the server has answered 503, from its access log."""
    return len(re.findall(r'" 503\b', process.log()))


def wait_for_503_beyond(process: ServerProcess, answered: int, sender: threading.Thread) -> int:
    """Waits until the server has answered 503 more than `answered` times; returns the new count."""
    while (count := unavailable_answers(process)) <= answered:
        assert process.process is not None and process.process.poll() is None, process.log()
        assert sender.is_alive(), "the SDK gave up instead of asking again"
        time.sleep(0.05)
    return count


def test_an_outage_answers_503_recovers_alone_and_the_sdk_ingest_loses_nothing(
    own_neo4j: LocalNeo4j, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEMMA_RETRY_SECONDS", "180")
    user, password = own_neo4j.auth
    settings = {"STEMMA_NEO4J_USER": user, "STEMMA_NEO4J_PASSWORD": password, "STEMMA_ACCESS_LOG": "true"}
    process = ServerProcess(own_neo4j.uri, tmp_path / "server", free_port(), settings).start()
    try:
        key = process.first_admin_key()
        headers = {"authorization": f"Bearer {key}"}
        me = {"query": "{ me { user } }"}
        assert httpx.post(f"{process.url}/graphql", json=me, headers=headers).status_code == 200
        done: list[int] = []
        half_logged = threading.Event()
        worker = threading.Thread(target=ingest, args=(process.url, key, tmp_path, done, half_logged))
        worker.start()
        half_logged.wait()
        assert worker.is_alive() and len(done) >= HALF
        own_neo4j.stop()
        answers = [
            httpx.post(
                f"{process.url}/graphql",
                json={"query": '{ run(id: "outage/ingest/x") { id } }'},
                headers=headers,
                timeout=30,
            )
            for _ in range(5)
        ]
        assert [answer.status_code for answer in answers] == [503] * 5
        assert answers[-1].headers["retry-after"] == "2"
        assert answers[-1].json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        # From here on only the SDK sends requests, one at a time: once it is refused, whatever it had logged is
        # counted in `done`, and nothing more may be counted while Neo4j is down, however often it asks again.
        refused = wait_for_503_beyond(process, unavailable_answers(process), worker)
        stuck_at = len(done)
        wait_for_503_beyond(process, refused, worker)
        assert len(done) == stuck_at
        own_neo4j.start()
        worker.join(timeout=240)
        assert not worker.is_alive()
        assert done == list(range(ARTIFACTS))
        assert httpx.post(f"{process.url}/graphql", json=me, headers=headers).status_code == 200
    finally:
        process.stop()
    with GraphDatabase.driver(own_neo4j.uri, auth=own_neo4j.auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (:Run {name: 'bulk'})-[l:LOGGED]->(v:ArtifactVersion)-[:VERSION_OF]->(c:ArtifactCollection) "
            "RETURN count(DISTINCT c) AS collections, count(v) AS versions, count(l) AS logged, "
            "max(v.version) AS highest"
        )
    assert dict(records[0]) == {"collections": ARTIFACTS, "versions": ARTIFACTS, "logged": ARTIFACTS, "highest": 0}


def test_shutdown_lets_requests_in_flight_finish(server: str, neo4j_uri: str, driver: Driver, tmp_path: Path) -> None:
    process = ServerProcess(neo4j_uri, tmp_path, free_port()).start()
    slow = {
        "query": '{ cypher(query: "UNWIND range(1, 4000000) AS a WITH a WHERE a < 0 RETURN count(*) AS n") { rows } }'
    }
    results: list[httpx.Response] = []
    key = os.environ["STEMMA_API_KEY"]

    def ask() -> None:
        results.append(
            httpx.post(f"{process.url}/graphql", json=slow, headers={"authorization": f"Bearer {key}"}, timeout=60)
        )

    asker = threading.Thread(target=ask)
    asker.start()
    # In flight means Neo4j is running the statement; the answer has not been sent yet.
    while not running_in_neo4j(driver, "UNWIND range(1, 4000000)"):
        assert asker.is_alive(), "the statement finished before it was seen running"
        time.sleep(0.02)
    assert process.process is not None
    process.process.terminate()
    asker.join(timeout=60)
    process.process.wait(timeout=60)
    assert [r.status_code for r in results] == [200]
    assert results[0].json() == {"data": {"cypher": {"rows": [[0]]}}}


def running_in_neo4j(driver: Driver, text: str) -> bool:
    """Whether Neo4j is running a statement containing `text` (this question holds it as a parameter)."""
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $text RETURN count(*) AS running",
        text=text,
    )
    running: int = records[0]["running"]
    return running > 0
