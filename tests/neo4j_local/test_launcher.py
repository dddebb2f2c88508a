from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from neo4j_local.launcher import LocalNeo4j, LocalNeo4jError
from tests.conftest import ROOT, free_port


def test_start_guards_its_port_with_a_password_is_idempotent_names_the_ports_holder_and_a_stop_keeps_data(
    tmp_path: Path,
) -> None:
    """One Neo4j for both halves of the launcher's promise (a start costs half a minute on a busy machine): its
    port needs the generated password, and it starts, stops and starts again keeping its data."""
    local = LocalNeo4j(
        state_dir=ROOT / ".stemma", name=f"launcher-{tmp_path.name}", port=free_port(), heap="512m", page_cache="64m"
    )
    try:
        assert local.start() is True
        only_its_generated_password_opens_the_bolt_port(local)
        assert local.start() is False
        other = LocalNeo4j(state_dir=ROOT / ".stemma", name=f"other-{tmp_path.name}", port=local.port)
        with pytest.raises(LocalNeo4jError) as taken:
            other.start()
        pid = local.running_pid()
        assert str(taken.value) == (
            f"port {local.port} is taken by the local Neo4j of {local.home} (pid {pid}; `kill {pid}` stops it "
            "gracefully); choose another with STEMMA_LOCAL_NEO4J_PORT"
        )
        with GraphDatabase.driver(local.uri, auth=local.auth) as driver:
            driver.execute_query("CREATE (:Kept {value: 42})")
            records, _, _ = driver.execute_query(
                "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition"
            )
        assert records[0]["version"].startswith("5.26.")
        assert records[0]["edition"] == "community"
        assert local.stop() is True
        assert local.running_pid() is None
        assert local.bolt_answers() is False
        assert local.start() is True
        with GraphDatabase.driver(local.uri, auth=local.auth) as driver:
            records, _, _ = driver.execute_query("MATCH (k:Kept) RETURN k.value AS value")
        assert [record["value"] for record in records] == [42]
    finally:
        local.stop()
        shutil.rmtree(local.home, ignore_errors=True)


def only_its_generated_password_opens_the_bolt_port(local: LocalNeo4j) -> None:
    assert stat.S_IMODE(local.password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(local.home.stat().st_mode) == 0o700  # the store holds API key hashes
    stores = [path for path in (local.home / "data").rglob("*") if path.is_file()]
    assert stores and {stat.S_IMODE(path.stat().st_mode) & 0o077 for path in stores} == {0}
    for wrong in (None, ("neo4j", "neo4j"), ("neo4j", "guess")):
        with GraphDatabase.driver(local.uri, auth=wrong) as driver, pytest.raises(AuthError):
            driver.execute_query("MATCH (k:ApiKey) RETURN k.hash")
    with GraphDatabase.driver(local.uri, auth=local.auth) as driver:
        assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1


def test_stop_when_not_running_says_so(tmp_path: Path) -> None:
    local = LocalNeo4j(state_dir=tmp_path, name="never-started", port=free_port())
    assert local.stop() is False
