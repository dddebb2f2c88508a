from __future__ import annotations

import asyncio

from neo4j import AsyncGraphDatabase, Driver

from cypher.executor import Executor
from cypher.migrate import load_migrations, migrate


def test_migrations_are_numbered_and_split_into_statements() -> None:
    migrations = load_migrations()
    assert [m.id for m in migrations] == sorted(m.id for m in migrations)
    assert migrations[0].id == "0001_constraints"
    assert all(m.statements for m in migrations)
    assert all(s.startswith(("CREATE ", "MATCH ")) and "//" not in s for m in migrations for s in m.statements)


def test_migrations_are_recorded_and_a_second_run_applies_nothing(
    driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    records, _, _ = driver.execute_query("MATCH (m:StemmaMigration) RETURN m.id AS id ORDER BY id")
    assert [r["id"] for r in records] == [m.id for m in load_migrations()]

    async def again() -> list[str]:
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth, notifications_min_severity="OFF") as graph:
            return await migrate(Executor(graph, "neo4j"))

    assert asyncio.run(again()) == []


def test_every_key_of_the_graph_model_is_unique(driver: Driver) -> None:
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties WHERE type = 'UNIQUENESS' "
        "RETURN labelsOrTypes[0] AS label, properties"
    )
    keys = {(r["label"], tuple(r["properties"])) for r in records}
    assert {
        ("Entity", ("name",)),
        ("Project", ("entity", "name")),
        ("Run", ("id",)),
        ("ArtifactCollection", ("entity", "project", "name")),
        ("ArtifactVersion", ("collection_id", "version")),
        ("ArtifactVersion", ("collection_id", "digest")),
        ("Alias", ("collection_id", "name")),
        ("Registry", ("entity", "name")),
        ("RegistryCollection", ("registry_id", "name")),
    } <= keys
