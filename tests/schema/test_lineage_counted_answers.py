"""Lineage sized from the kept counts gives the answer read from every neighbour: for every caller, root, direction,
depth, threshold and node budget, against `asOf` (which reads every neighbour) and against the floor both ways."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from neo4j import Driver

from bench.floor import floor_params, floor_query, run_floor
from bench.queries import answer_of_floor, answer_of_stemma
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import clean
from tests.schema.test_lineage import LINEAGE

pytestmark = pytest.mark.shared_graph

FUTURE = "2999-01-01T00:00:00Z"  # asOf after everything: the same graph, read from every neighbour
ASKED = ((1, 1, 500), (3, 1, 500), (3, 5, 500), (4, 3, 6), (2, 10, 4))  # depth, clusterThreshold, maxNodes
ROOTS_SEEN = {"admin": 5, "acme member": 4, "globex member": 1, "member of both": 5}


@dataclass
class Mixed:
    """A graph where every kind of group meets: clusters beside small groups, hidden members, several projects,
    runs without a job type, versions of several collections, a deleted version, a cycle."""

    callers: dict[str, GraphQLClient]
    roots: tuple[str, ...] = ("acme/p1/data:v0", "acme/p1/multi", "globex/g1/texts:v0", "acme/p1/t3", "acme/p1/prep")
    artifact_roots: tuple[str, ...] = ("acme/p1/data:v0", "globex/g1/texts:v0", "acme/p1/ckpt:v0", "acme/p1/old:v0")


def _key_for(admin: GraphQLClient, user: str, *entities: str) -> GraphQLClient:
    for entity in entities:
        admin.query(f'mutation {{ addMember(entity: "{entity}", user: "{user}", role: MEMBER) {{ role }} }}')
    key = admin.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
    return GraphQLClient(str(admin.http.base_url), key=key)


@pytest.fixture(scope="module")
def mixed(driver: Driver, server: str) -> Iterator[Mixed]:
    """Built once through the API; its tests only read."""
    clean(driver)
    admin = GraphQLClient(server)
    acme, other_project, globex = (
        Builder(admin, "acme", "p1"),
        Builder(admin, "acme", "p2"),
        Builder(admin, "globex", "g1"),
    )
    acme.log(acme.run("prep", job_type="preprocess"), "data")
    globex.log(globex.run("g-prep", job_type="preprocess"), "texts")
    for number in range(7):
        acme.use(acme.run(f"t{number}"), "data:v0")
    for number in range(2):
        acme.use(acme.run(f"eval{number}", job_type="eval"), "data:v0")
    acme.use(acme.run("untyped", job_type=None), "data:v0")
    for number in range(4):
        other_project.use(other_project.run(f"t{number}"), "acme/p1/data:v0")
    for number in range(6):
        run = globex.run(f"borrow{number}", job_type="secret")
        globex.use(run, "acme/p1/data:v0")
        globex.use(run, "texts:v0")
        globex.log(run, "model", "model", files={"m": f"{number}".encode()})
    for number in range(3):
        acme.use(acme.run(f"reader{number}", job_type="read"), "globex/g1/texts:v0")
    multi = acme.run("multi", job_type="train")
    acme.use(multi, "data:v0")
    for number in range(7):
        acme.log(multi, "ckpt", "checkpoint", files={"c": f"{number}".encode()})
    for number in range(2):
        acme.log(multi, "report", "report", files={"r": f"{number}".encode()})
    acme.log(acme.run("old-prep"), "old")
    for number in range(6):
        acme.use(acme.run(f"old{number}"), "old:v0")
    admin.query('mutation { deleteArtifactVersion(ref: "acme/p1/old:v0", deleteAliases: true) { id } }')
    loop = acme.run("loop")
    acme.log(loop, "ckpt", "checkpoint", files={"c": b"loop"})
    acme.use(loop, "ckpt:latest")  # a cycle: loop logged the latest checkpoint and used it
    callers = {
        "admin": admin,
        "acme member": _key_for(admin, "ana", "acme"),
        "globex member": _key_for(admin, "bob", "globex"),
        "member of both": _key_for(admin, "dual", "acme", "globex"),
    }
    yield Mixed(callers)
    for client in callers.values():
        client.http.close()


@pytest.mark.parametrize("caller", sorted(ROOTS_SEEN))
def test_counted_answers_equal_answers_read_from_every_neighbour(mixed: Mixed, caller: str) -> None:
    client = mixed.callers[caller]
    answered = 0
    for ref in mixed.roots:
        for direction in ("UPSTREAM", "DOWNSTREAM", "BOTH"):
            for depth, threshold, max_nodes in ASKED:
                variables = {
                    "ref": ref,
                    "direction": direction,
                    "depth": depth,
                    "threshold": threshold,
                    "max": max_nodes,
                }
                counted = client.post(LINEAGE, {**variables, "asOf": None})
                assert counted == client.post(LINEAGE, {**variables, "asOf": FUTURE}), variables
                answered += "data" in counted and counted["data"] is not None
    assert answered == 3 * len(ASKED) * ROOTS_SEEN[caller]


def test_stemma_and_the_floor_with_and_without_counts_agree(mixed: Mixed, driver: Driver) -> None:
    admin = mixed.callers["admin"]
    for ref in mixed.artifact_roots:
        for direction in ("UPSTREAM", "DOWNSTREAM", "BOTH"):
            for depth, threshold, max_nodes in ASKED:
                variables = {
                    "ref": ref,
                    "direction": direction,
                    "depth": depth,
                    "threshold": threshold,
                    "max": max_nodes,
                }
                lineage = admin.query(LINEAGE, **variables, asOf=None)["lineage"]
                params = floor_params(ref, threshold, max_nodes)
                counted = run_floor(driver, floor_query(direction, depth), params)
                read = run_floor(driver, floor_query(direction, depth, counted=False), params)
                assert answer_of_stemma(lineage) == answer_of_floor(counted) == answer_of_floor(read), variables
