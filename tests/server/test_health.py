from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.client import GraphQLClient
from tests.conftest import ROOT, free_port
from tests.serving import ServerProcess


def test_healthz_reports_stemma_and_the_neo4j_it_reads_from(server: str) -> None:
    response = httpx.get(f"{server}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == "0.1.0"
    assert body["neo4j"]["version"].startswith("5.26.")
    assert body["neo4j"]["edition"] == "community"


def test_graphql_health_field_reports_the_same(api: GraphQLClient) -> None:
    data = api.query("{ health { ok version neo4j { reachable version edition reason } } }")
    assert data["health"]["ok"] is True
    assert data["health"]["neo4j"]["version"].startswith("5.26.")
    assert data["health"]["neo4j"]["edition"] == "community"
    assert data["health"]["neo4j"]["reason"] is None


def test_unreachable_neo4j_answers_503_with_a_reason(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    env = {
        **os.environ,
        "STEMMA_NEO4J_URI": f"bolt://127.0.0.1:{dead}",
        "STEMMA_PORT": str(port),
        "STEMMA_STATE_DIR": str(tmp_path),
        "STEMMA_NEO4J_TIMEOUT_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        # Serving starts without Neo4j: wait for uvicorn to say it listens (EOF here means it exited).
        started = next((line for line in iter(process.stderr.readline, "") if "Uvicorn running" in line), None)
        assert started is not None, "the server exited before serving"
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "2"
        assert response.json()["status"] == "unavailable"
        assert "unreachable" in response.json()["reason"]
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_test_session_refuses_to_run_without_a_reachable_neo4j() -> None:
    env = {**os.environ, "STEMMA_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cypher/test_migrate.py"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert "is unreachable" in result.stdout + result.stderr


def test_a_flood_of_healthz_reuses_one_answer_instead_of_asking_neo4j_each_time(
    neo4j_uri: str, tmp_path: Path, driver: object
) -> None:
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), {"STEMMA_HEALTH_CACHE_SECONDS": "3600"})
    try:
        process.start()
        with GraphQLClient(process.url) as admin:
            before = admin.statements()["read"]
            answers = [httpx.get(f"{process.url}/healthz") for _ in range(100)]
            assert [answer.status_code for answer in answers] == [200] * 100
            assert answers[-1].json()["neo4j"]["edition"] == "community"
            assert admin.statements()["read"] - before == 0
    finally:
        process.stop()
