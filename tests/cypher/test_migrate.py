from __future__ import annotations

import asyncio

from neo4j import AsyncGraphDatabase, Driver

from cypher.accounts import first_admin
from cypher.executor import Executor
from cypher.migrate import load_migrations, migrate, migration_lock


def test_migrations_are_numbered_and_split_into_statements() -> None:
    migrations = load_migrations()
    assert [m.id for m in migrations] == sorted(m.id for m in migrations)
    assert migrations[0].id == "0001_constraints"
    assert all(m.statements for m in migrations)
    assert all(s.startswith(("CREATE ", "MATCH ", "DROP ")) and "//" not in s for m in migrations for s in m.statements)
    assert all(" IF EXISTS" in s for m in migrations for s in m.statements if s.startswith("DROP "))


def test_migrations_are_recorded_and_a_second_run_applies_nothing(
    driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    records, _, _ = driver.execute_query("MATCH (m:StemmaMigration) RETURN m.id AS id ORDER BY id")
    assert [r["id"] for r in records] == [m.id for m in load_migrations()]

    async def again() -> list[str]:
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth, notifications_min_severity="OFF") as graph:
            return await migrate(Executor(graph, "neo4j"))

    assert asyncio.run(again()) == []


def test_processes_preparing_one_empty_database_at_once_migrate_and_make_the_first_admin_once(
    unmigrated: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """Unlocked, two of them race into "an equivalent index already exists", deadlocks, and doubled records."""

    async def prepare() -> tuple[list[str], str | None]:
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth, notifications_min_severity="OFF") as graph:
            executor = Executor(graph, "neo4j")
            async with migration_lock(executor):
                applied = await migrate(executor)
                admin_key = await first_admin(executor)
            return applied, admin_key.id if admin_key else None

    async def four_at_once() -> list[tuple[list[str], str | None]]:
        return list(await asyncio.gather(*(prepare() for _ in range(4))))

    answers = asyncio.run(four_at_once())
    everything = [m.id for m in load_migrations()]
    preparers = [(applied, key) for applied, key in answers if applied]
    assert [applied for applied, _ in preparers] == [everything]
    assert [answer for answer in answers if not answer[0]] == [([], None)] * 3
    recorded = "MATCH (m:StemmaMigration) RETURN m.id AS id, count(*) AS times ORDER BY id"
    records, _, _ = unmigrated.execute_query(recorded)
    assert [(r["id"], r["times"]) for r in records] == [(id, 1) for id in everything]
    keys, _, _ = unmigrated.execute_query("MATCH (k:ApiKey)-[:OF]->(u:User) RETURN u.name AS user, k.id AS id")
    assert [(r["user"], r["id"]) for r in keys] == [("admin", preparers[0][1])]


def test_locks_doubled_while_their_constraint_was_missing_are_merged_and_the_migrations_run(
    unmigrated: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """A database emptied under a running server: its sweeper re-made its lock twice before any constraint."""
    unmigrated.execute_query("CREATE (:StemmaLock {name: 'sweeper/600/60'}), (:StemmaLock {name: 'sweeper/600/60'})")

    async def prepare() -> list[str]:
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth, notifications_min_severity="OFF") as graph:
            executor = Executor(graph, "neo4j")
            async with migration_lock(executor):
                return await migrate(executor)

    assert asyncio.run(prepare()) == [m.id for m in load_migrations()]
    locks, _, _ = unmigrated.execute_query("MATCH (l:StemmaLock) RETURN l.name AS name, count(*) AS n ORDER BY name")
    assert [(r["name"], r["n"]) for r in locks] == [("migrations", 1), ("sweeper/600/60", 1)]


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


def test_entities_made_before_default_registries_get_model_and_dataset(driver: Driver) -> None:
    driver.execute_query("CREATE (:Entity {name: 'old-team'})-[:HAS]->(:Marker)")
    driver.execute_query("CREATE (r:Registry {entity: 'old-team', name: 'model', id: 'kept', description: 'mine'})")
    (migration,) = [m for m in load_migrations() if m.id == "0011_default_registries"]
    for _ in range(2):
        for statement in migration.statements:
            driver.execute_query(statement)
    records, _, _ = driver.execute_query(
        "MATCH (r:Registry {entity: 'old-team'}) OPTIONAL MATCH (r)-[:IN]->(e:Entity) "
        "RETURN r.name AS name, r.id = 'kept' AS kept, r.description AS description, e.name AS entity ORDER BY name"
    )
    assert [(r["name"], r["kept"], r["entity"]) for r in records] == [
        ("dataset", False, "old-team"),
        ("model", True, "old-team"),
    ]
    assert records[0]["description"] == "Datasets of this entity, linked from any of its projects"
