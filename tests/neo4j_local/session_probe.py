"""Run by test_session.py as a test session of its own (not collected: the name does not start with test_)."""

from __future__ import annotations

from neo4j import GraphDatabase


def test_the_session_neo4j_answers(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> None:
    with GraphDatabase.driver(neo4j_uri, auth=neo4j_auth) as driver:
        assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
