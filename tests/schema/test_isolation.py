"""Generated from the schema: through every root field, a caller of another entity learns nothing.

Every Query and Mutation field is asked twice by `bob` (member of globex only):
once about acme's objects, once about the same names in an entity that does
not exist. The two answers must be identical once the names are swapped back —
"hidden" and "absent" are the same answer — and no answer may carry any of
acme's secret markers. A mutation must also leave the graph as it was. Fields
are read from the schema itself, so a new root field without an entry in the
tables below fails here until someone says how to attack it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined
from neo4j import Driver

from cypher.ids import global_id
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import Reused, graph_state

# Every test reads the one world the module builds; a test that changes it has it built again for the next.
pytestmark = pytest.mark.shared_graph
SCHEMA: GraphQLSchema = build_schema((Path(__file__).parents[2] / "schema" / "schema.graphql").read_text())
SECRET, ABSENT_SECRET = "s3cr3t", "n0where"
ACME, ABSENT_ENTITY = "acme", "nowhere"
ACME_FILE = b"acme's s3cr3t weights"
ACME_DIGEST = hashlib.sha256(ACME_FILE).hexdigest()
NESTED_FIRST = 2
DEPTH = 3

VERSION = "acme/vision/faces-s3cr3t:v0"
MODEL = "acme/vision/model-s3cr3t:v0"
RUN = "acme/vision/r-s3cr3t"
REGISTRY_VERSION = "acme/registry-reg-s3cr3t/coll-s3cr3t:v0"
BOB_DATASET = "globex/nlp/texts:v0"
BOB_RUN = "globex/nlp/g1"
CLUSTER = "ARTIFACT:{texts}|DOWNSTREAM|job:job-s3cr3t"

QUERIES: dict[str, dict[str, Any]] = {
    "health": {},
    "entity": {"name": ACME},
    "entities": {},
    "project": {"entity": ACME, "name": "vision"},
    "artifact": {"ref": VERSION},
    "artifactCollection": {"ref": "acme/vision/faces-s3cr3t"},
    "collections": {"entity": ACME, "project": "vision"},
    "run": {"id": RUN},
    "runs": {"entity": ACME, "project": "vision"},
    "registries": {"entity": ACME},
    "registry": {"entity": ACME, "name": "reg-s3cr3t"},
    "registryCollection": {"ref": "acme/registry-reg-s3cr3t/coll-s3cr3t"},
    "lineage": {"ref": VERSION, "direction": "BOTH", "depth": 4, "maxNodes": 20},
    "lineageText": {"ref": VERSION, "format": "OPENLINEAGE", "depth": 4},
    "lineageCluster": {"id": CLUSTER},
    "lineagePath": {"from": RUN, "to": MODEL},
    "impact": {"ref": VERSION},
    "me": {},
    "users": {"entity": ACME},
    "cypher": {"query": "MATCH (n) RETURN count(n) AS n"},
    "missingFiles": {"digests": ["0" * 64]},
    "limits": {},
    "node": {"id": "{global:Run:acme/vision/r-s3cr3t}"},
    "nodes": {"ids": ["{global:Entity:acme}", "{global:Project:acme/vision}", "{global:Run:acme/vision/r-s3cr3t}"]},
    "search": {"query": "s3cr3t", "first": 50},
    "runHistory": {"id": RUN},
}
MUTATIONS: dict[str, dict[str, Any]] = {
    "createRun": {"input": {"entity": ACME, "project": "vision", "runId": "bob-s3cr3t"}},
    "finishRun": {"id": RUN, "state": "FAILED"},
    "heartbeat": {"id": RUN},
    "resumeRun": {"id": RUN},
    "logRun": {"input": {"id": RUN, "summary": {"leak": "bob-s3cr3t"}, "history": [{"_step": 0, "x": 1}]}},
    "logArtifact": {"input": {"runId": RUN, "name": "faces-s3cr3t", "type": "dataset", "files": []}},
    "useArtifact": {"runId": BOB_RUN, "ref": VERSION},
    "setAlias": {"ref": VERSION, "alias": "bob-s3cr3t"},
    "removeAlias": {"collection": "acme/vision/faces-s3cr3t", "alias": "alias-s3cr3t"},
    "updateArtifactVersion": {"ref": VERSION, "description": "bob was here"},
    "updateArtifactCollection": {"ref": "acme/vision/faces-s3cr3t", "description": "bob was here"},
    "updateRegistryCollection": {"ref": "acme/registry-reg-s3cr3t/coll-s3cr3t", "description": "bob was here"},
    "deleteArtifactVersion": {"ref": VERSION, "deleteAliases": True},
    "createRegistry": {"entity": ACME, "name": "bob-s3cr3t"},
    "createRegistryCollection": {"entity": ACME, "registry": "reg-s3cr3t", "name": "bob-s3cr3t"},
    "linkArtifact": {"ref": VERSION, "target": "globex/registry-model/stolen"},
    "unlinkArtifact": {"ref": REGISTRY_VERSION},
    "recordRuns": {"runs": [{"entity": ACME, "project": "vision", "runId": "bob-s3cr3t", "uses": [VERSION]}]},
    "addMember": {"entity": ACME, "user": "bob", "role": "ADMIN"},
    "createApiKey": {"user": "ana-s3cr3t"},
    "revokeApiKey": {"id": "k_s3cr3t"},
    "setRegistryAccess": {"entity": ACME, "registry": "reg-s3cr3t", "members": ["bob"]},
}
ARGUMENT_TYPES = {"ref": "String!", "id": "ID!", "first": "Int!", "after": "String"}


@dataclass
class World:
    bob: GraphQLClient
    texts_id: str
    revoke_id: str

    def close(self) -> None:
        self.bob.http.close()


def build_world(api: GraphQLClient) -> World:
    """acme's objects all carry the marker 's3cr3t'; `dual`, a member of both entities, made acme's model
    from globex's dataset, so bob's own lineage crosses into acme."""
    for entity, user, role in (("acme", "ana-s3cr3t", "ADMIN"), ("globex", "bob", "MEMBER")):
        api.query(f'mutation {{ addMember(entity: "{entity}", user: "{user}", role: {role}) {{ role }} }}')
    for entity in ("acme", "globex"):
        api.query(f'mutation {{ addMember(entity: "{entity}", user: "dual", role: MEMBER) {{ role }} }}')
    bob = GraphQLClient(str(api.http.base_url), key=_key(api, "bob"))
    with GraphQLClient(str(api.http.base_url), key=_key(api, "dual")) as dual:
        globex = Builder(bob, "globex", "nlp")
        texts = globex.log(globex.run("g1"), "texts", "dataset")["artifact"]
        acme = Builder(dual, "acme", "vision")
        run = acme.run("r-s3cr3t", name="name-s3cr3t", job_type="job-s3cr3t")
        acme.log(run, "faces-s3cr3t", files={"w.bin": ACME_FILE}, aliases=["alias-s3cr3t"], metadata={"k": SECRET})
        acme.use(run, BOB_DATASET)
        acme.log(run, "model-s3cr3t", "model", files={"m.bin": b"model s3cr3t"})
        for n in range(7):  # more than the cluster threshold: bob's lineage shows them as one cluster
            acme.use(acme.run(f"sweep-{n}-s3cr3t", job_type="job-s3cr3t"), BOB_DATASET)
    api.query('mutation { createRegistry(entity: "acme", name: "reg-s3cr3t") { id } }')
    api.query(
        f'mutation {{ linkArtifact(ref: "{MODEL}", target: "acme/registry-reg-s3cr3t/coll-s3cr3t") {{ version }} }}'
    )
    api.query('mutation { createRegistry(entity: "globex", name: "model") { id } }')
    revoke_id = api.query('mutation { createApiKey(user: "ana-s3cr3t") { id } }')["createApiKey"]["id"]
    return World(bob, texts["legacyId"], revoke_id)


@pytest.fixture
def world(api: GraphQLClient, reused: Reused[World]) -> World:
    """The module's world, built once and reused by every test that leaves it as it was."""
    return reused.get(lambda: build_world(api))


def _key(api: GraphQLClient, user: str) -> str:
    key: str = api.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
    return key


def selection(type_: Any, depth: int) -> str:
    """Every field of the type down to `depth`, fragments on each possible type of a union or interface."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if depth == 0:
        return "{ __typename }"
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        kinds = SCHEMA.get_possible_types(named)
        types: dict[str, set[str]] = {}
        for kind in kinds:
            for name, field in kind.fields.items():
                types.setdefault(name, set()).add(str(field.type))
        clash = {name for name, seen in types.items() if len(seen) > 1}  # e.g. String here, String! there
        parts = " ".join(f"... on {kind.name} {_fields(kind, depth, clash)}" for kind in kinds)
        return "{ __typename " + parts + " }"
    assert isinstance(named, GraphQLObjectType)
    return _fields(named, depth)


def _fields(named: GraphQLObjectType, depth: int, leave_out: set[str] | None = None) -> str:
    parts = ["__typename"]
    for name, field in named.fields.items():
        if name in (leave_out or set()):
            continue
        arguments = _nested_arguments(field)
        if arguments is None:
            continue
        parts.append(f"{name}{arguments} {selection(field.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def _nested_arguments(field: GraphQLField) -> str | None:
    """Small pages for nested lists; None for a field whose required arguments this walk cannot supply."""
    values = []
    for name, argument in field.args.items():
        if name == "first":
            values.append(f"first: {NESTED_FIRST}")
        elif is_non_null_type(argument.type) and argument.default_value is Undefined:
            return None
    return f"({', '.join(values)})" if values else ""


def document(operation: str, field_name: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    root = SCHEMA.query_type if operation == "query" else SCHEMA.mutation_type
    assert root is not None
    field = root.fields[field_name]
    declared = ", ".join(f"${name}: {field.args[name].type}" for name in arguments)
    passed = ", ".join(f"{name}: ${name}" for name in arguments)
    head = f"{operation}({declared})" if declared else operation
    call = f"{field_name}({passed})" if passed else field_name
    return f"{head} {{ {call} {selection(field.type, DEPTH)} }}", arguments


def absent(value: Any) -> Any:
    """The same value naming nothing that exists."""
    return json.loads(json.dumps(value).replace(ACME, ABSENT_ENTITY).replace(SECRET, ABSENT_SECRET))


def globalised(value: Any) -> Any:
    """The value with each `{global:TYPE:KEY}` written as that global id (after `absent`, so that it names
    the absent twin)."""
    text = re.sub(r"\{global:(\w+):([^}]*)\}", lambda m: global_id(m[1], m[2]), json.dumps(value))
    return json.loads(text)


def swapped_back(answer: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(answer).replace(ABSENT_ENTITY, ACME).replace(ABSENT_SECRET, SECRET)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def leaks(answer: dict[str, Any]) -> list[str]:
    """acme's markers in an answer, leaving out error messages (which echo the request's own words)."""
    errors = [{**error, "message": ""} for error in answer.get("errors") or []]
    text = json.dumps({**answer, "errors": errors})
    return [marker for marker in (SECRET, ACME_DIGEST) if marker in text]


def test_every_root_field_is_covered_by_the_walk() -> None:
    assert SCHEMA.query_type is not None and SCHEMA.mutation_type is not None
    assert sorted(SCHEMA.query_type.fields) == sorted(QUERIES), "add the new query field to QUERIES"
    assert sorted(SCHEMA.mutation_type.fields) == sorted(MUTATIONS), "add the new mutation field to MUTATIONS"


@pytest.mark.parametrize("field_name", sorted(QUERIES))
def test_a_query_about_another_entity_answers_as_if_it_did_not_exist(world: World, field_name: str) -> None:
    arguments = json.loads(json.dumps(QUERIES[field_name]).replace("{texts}", world.texts_id))
    text, variables = document("query", field_name, arguments)
    hidden = world.bob.post(text, globalised(variables))
    missing = world.bob.post(text, globalised(absent(variables)))
    assert hidden == swapped_back(missing)
    assert leaks(hidden) == []
    codes = {error["extensions"]["code"] for error in hidden.get("errors") or []}
    assert codes <= {"NOT_FOUND", "FORBIDDEN"}, hidden  # the walk's own document is valid and affordable


@pytest.mark.parametrize("field_name", sorted(MUTATIONS))
def test_a_mutation_on_another_entity_answers_as_if_it_did_not_exist_and_changes_nothing(
    world: World, driver: Driver, field_name: str
) -> None:
    arguments = json.loads(json.dumps(MUTATIONS[field_name]).replace("k_s3cr3t", world.revoke_id))
    text, variables = document("mutation", field_name, arguments)
    before = graph_state(driver)
    hidden = world.bob.post(text, variables)
    assert graph_state(driver) == before
    missing = world.bob.post(text, absent(variables))
    assert hidden["data"] is None and hidden["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "FORBIDDEN")
    assert hidden == swapped_back(missing) or field_name == "revokeApiKey"
    assert leaks(hidden) == []


LINEAGE = """query($ref: String!) { lineage(ref: $ref, direction: BOTH, depth: 4) {
  nodes { __typename ... on RedactedNode { id kind } ... on Run { id name jobType }
          ... on ArtifactVersion { id ref digest metadata } }
  edges { kind from to } clusters { id count jobType collection } truncated } }"""
CLUSTER_PAGE = """query($id: ID!, $after: String) { lineageCluster(id: $id, first: 2, after: $after) {
  totalCount edges { cursor node { __typename ... on RedactedNode { id kind } ... on Run { id name } } }
  pageInfo { hasNextPage endCursor } } }"""
IMPACT = "query($ref: String!) { impact(ref: $ref) { ref aliases artifact { ref digest metadata } } }"
PATH = "query($from: String!, $to: String!) { lineagePath(from: $from, to: $to) { found nodes { __typename } } }"


def test_lineage_from_your_own_data_into_another_entity_reveals_nothing_of_it(world: World) -> None:
    lineage = world.bob.query(LINEAGE, ref=BOB_DATASET)["lineage"]
    # the hidden run whose lineage goes on (it logged two versions) is drawn as a placeholder, with them
    assert [(node["__typename"], node["id"]) for node in lineage["nodes"]] == [
        ("ArtifactVersion", global_id("ArtifactVersion", world.texts_id)),
        ("Run", global_id("Run", BOB_RUN)),
        ("RedactedNode", "redacted:1"),
        ("RedactedNode", "redacted:2"),
        ("RedactedNode", "redacted:3"),
    ]
    hidden_cluster = f"ARTIFACT:{world.texts_id}|DOWNSTREAM|hidden:|leaves"
    assert lineage["clusters"] == [{"id": hidden_cluster, "count": 7, "jobType": None, "collection": None}]
    page = world.bob.query(CLUSTER_PAGE, id=hidden_cluster, after=None)["lineageCluster"]
    assert page == {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    assert leaks(lineage) == []
    assert world.bob.query(IMPACT, ref=BOB_DATASET) == {"impact": []}
    assert leaks(world.bob.query(PATH, **{"from": BOB_DATASET, "to": BOB_RUN})) == []


def test_hidden_members_form_their_own_cluster_and_pages_name_only_visible_ones(
    world: World, api: GraphQLClient
) -> None:
    """Runs of one job type on both sides of the wall: the visible ones cluster under the job type, the hidden
    ones apart, so nothing tells their job type; pages and cursors name visible runs only."""
    api.query('mutation { addMember(entity: "globex", user: "dual", role: MEMBER) { role } }')
    dual = GraphQLClient(str(api.http.base_url), key=_key(api, "dual"))
    globex = Builder(dual, "globex", "nlp")
    for n in range(7):
        globex.use(globex.run(f"b{n}", job_type="job-s3cr3t"), BOB_DATASET)
    dual.http.close()
    lineage = world.bob.query(LINEAGE, ref=BOB_DATASET)["lineage"]
    visible = f"ARTIFACT:{world.texts_id}|DOWNSTREAM|job:job-s3cr3t|leaves"
    hidden = f"ARTIFACT:{world.texts_id}|DOWNSTREAM|hidden:|leaves"
    assert sorted((c["id"], c["count"], c["jobType"]) for c in lineage["clusters"]) == [
        (hidden, 7, None),
        (visible, 7, "job-s3cr3t"),
    ]
    seen, cursors, after = [], [], None
    while True:
        page = world.bob.query(CLUSTER_PAGE, id=visible, after=after)["lineageCluster"]
        assert page["totalCount"] == 7
        seen += [edge["node"]["id"] for edge in page["edges"]]
        cursors += [base64.urlsafe_b64decode(edge["cursor"]).decode() for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(global_id("Run", f"globex/nlp/b{n}") for n in range(7))
    assert [SECRET in cursor or ACME in cursor for cursor in cursors] == [False] * 7


EDGES = """query($ref: String!) { lineage(ref: $ref, direction: DOWNSTREAM, depth: 2, clusterThreshold: 1000) {
  nodes { __typename ... on RedactedNode { id } } edges { kind from to alias created } } }"""


def test_hidden_nodes_get_ids_that_mean_nothing_outside_the_answer_and_their_edges_say_no_more(
    world: World, api: GraphQLClient
) -> None:
    dual = GraphQLClient(str(api.http.base_url), key=_key(api, "dual"))
    acme = Builder(dual, "acme", "vision")
    acme.use(acme.run("aliased-s3cr3t", job_type="job-s3cr3t"), "globex/nlp/texts:latest")
    dual.http.close()
    lineage = world.bob.query(EDGES, ref=BOB_DATASET)["lineage"]
    hidden = [node["id"] for node in lineage["nodes"] if node["__typename"] == "RedactedNode"]
    assert sorted(hidden) == sorted(f"redacted:{n}" for n in range(1, len(hidden) + 1))
    assert len(hidden) == 11  # 9 runs that used the dataset, 2 versions one of them logged
    touching_hidden = [e for e in lineage["edges"] if e["from"] in hidden or e["to"] in hidden]
    assert len(touching_hidden) == 11
    assert {(e["alias"], e["created"]) for e in touching_hidden} == {(None, None)}
