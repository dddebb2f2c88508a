from __future__ import annotations

from pathlib import Path

from neo4j import GraphDatabase

from neo4j_local.launcher import LocalNeo4j
from tests.conftest import ROOT, free_port


def test_start_is_idempotent_and_a_graceful_stop_keeps_committed_data(tmp_path: Path) -> None:
    local = LocalNeo4j(
        state_dir=ROOT / ".stemma", name=f"launcher-{tmp_path.name}", port=free_port(), heap="512m", page_cache="64m"
    )
    try:
        assert local.start() is True
        assert local.start() is False
        with GraphDatabase.driver(local.uri, auth=None) as driver:
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
        with GraphDatabase.driver(local.uri, auth=None) as driver:
            records, _, _ = driver.execute_query("MATCH (k:Kept) RETURN k.value AS value")
        assert [record["value"] for record in records] == [42]
    finally:
        local.stop()
        import shutil

        shutil.rmtree(local.home, ignore_errors=True)


def test_stop_when_not_running_says_so(tmp_path: Path) -> None:
    local = LocalNeo4j(state_dir=tmp_path, name="never-started", port=free_port())
    assert local.stop() is False
