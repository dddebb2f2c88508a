"""Compiled execution answers exactly as Strawberry's field-by-field resolution does.

Every other test runs against a server in `verify` mode (tests/serving.py), which answers each compilable
query both ways on the same rows and refuses any difference. Here, on top of that, the same documents go to
a server that compiles and to one that resolves, and the two HTTP answers must be the same bytes; the
compiling one must have compiled every document, and must leave what it cannot compile to Strawberry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cypher.model import TYPES
from cypher.rules import prop
from schema.build import build_schema
from schema.compiled import check_model
from tests.builders import build_zoo
from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, free_port
from tests.schema.test_lineage import DATASET, LINEAGE, MODEL
from tests.serving import ServerProcess

pytestmark = pytest.mark.shared_graph

_EXECUTIONS = re.compile(r'^stemma_graphql_executions_total\{path="(\w+)"\} (\S+)$', re.MULTILINE)

VERSION_FIELDS = """id entity project name type version versionName ref digest size fileCount metadata description
  tags createdAt state deleted aliases files { path digest size } __typename"""

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (f'{{ artifact(ref: "{MODEL}") {{ {VERSION_FIELDS} }} }}', {}),
    (
        """query($ref: String!) { a: artifact(ref: $ref) { ref ...V collection { __typename ref type metadata
             latest { versionName } aliases { name version artifact { ref } } } createdBy { name jobType config }
             links { ref aliases collection { ref } artifact { ref } } }
           b: artifact(ref: $ref) { kind: __typename one: ref two: ref } }
           fragment V on ArtifactVersion { digest size createdBy { id state tags } }""",
        {"ref": DATASET},
    ),
    (
        """query($skip: Boolean!, $more: Boolean!) { artifact(ref: "zoo-team/zoo/split_zoo_dataset:latest") {
             ref version @skip(if: $skip) digest @include(if: $more)
             usedBy(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor at alias
               node { name } } }
             loggedBy { edges { created node { name } } } } }""",
        {"skip": True, "more": False},
    ),
    (
        """{ artifactCollection(ref: "zoo-team/zoo/split_zoo_dataset") { id ref name type createdAt tags
             versions(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
               edges { cursor node { versionName aliases } } } aliases { name version } } }""",
        {},
    ),
    (
        """{ entity(name: "zoo-team") { name createdAt projects { totalCount edges { node { id name
               collections(type: "dataset", first: 3) { totalCount edges { node { name type } } }
               runs(jobType: "train", first: 5) { totalCount edges { cursor node { runId name state jobType
                 createdAt finishedAt heartbeatAt notes user inputs { totalCount edges { at alias
                   node { ref } } } outputs(first: 1) { edges { created node { ref } } } } } } } } }
             registries { edges { node { name } } } } }""",
        {},
    ),
    ("{ entities(first: 5) { totalCount edges { node { name } } pageInfo { hasNextPage } } }", {}),
    ('{ project(entity: "zoo-team", name: "zoo") { id entity name createdAt } }', {}),
    (
        '{ collections(entity: "zoo-team", project: "zoo", namePrefix: "split", first: 1) '
        "{ totalCount pageInfo { hasNextPage } edges { node { ref } } } }",
        {},
    ),
    ('{ runs(entity: "zoo-team", project: "zoo", state: FINISHED) { totalCount edges { node { id state } } } }', {}),
    (
        '{ registries(entity: "zoo-team") { edges { node { id name description createdAt '
        "collections { totalCount edges { node { ref type metadata description tags createdAt aliases { name "
        "version entry { ref linkedBy linkedAt version versionName } } versions { edges { node { ref aliases "
        "artifact { ref } collection { name } } } } } } } } } } }",
        {},
    ),
    (
        '{ registry(entity: "zoo-team", name: "model") { name } '
        'registryCollection(ref: "zoo-team/registry-model/zoo-classifier") { ref aliases { name } } }',
        {},
    ),
    (LINEAGE, {"ref": DATASET, "direction": "BOTH", "depth": 3, "threshold": 5, "max": 500, "asOf": None}),
    (LINEAGE, {"ref": DATASET, "direction": "DOWNSTREAM", "depth": 2, "threshold": 1, "max": 3, "asOf": None}),
    (
        """query($ref: String!) { lineage(ref: $ref, depth: 2, clusterThreshold: 1) { clusters { id count } } }""",
        {"ref": DATASET},
    ),
    (
        f'{{ lineagePath(from: "{DATASET}", to: "{MODEL}") {{ found length nodes {{ __typename '
        "... on Run { name } ... on ArtifactVersion { ref } } edges { kind from to at alias created } } "
        f'impact(ref: "{DATASET}") {{ ref versionName aliases artifact {{ ref }} }} }}',
        {},
    ),
    ('{ __typename artifact(ref: "zoo-team/zoo/zoo-ylbchv20:latest") { __typename } }', {}),
    # More fields on one object than are written out (schema.written_out.MOST_FIELDS): the loop completes it.
    (
        f'{{ artifact(ref: "{MODEL}") {{ {" ".join(f"v{n}: version" for n in range(30))} id entity project name type '
        "version versionName ref digest size fileCount description tags createdAt state deleted aliases metadata "
        "collection { ref } } }",
        {},
    ),
    (
        """query($q: String!) { search(query: $q, first: 4) { totalCount pageInfo { hasNextPage endCursor }
             edges { cursor matched node { __typename ... on Node { id } ... on ArtifactCollection { ref type }
               ... on RegistryCollection { ref } ... on ArtifactVersion { ref aliases }
               ... on RegistryVersion { ref artifact { ref } } ... on Run { runName: name state }
               ... on Registry { name } } } }
           runs: search(query: "sweep", kinds: [RUN], first: 1) { edges { node { ... on Run { ref } } } } }""",
        {"q": "zoo"},
    ),
    ('{ search(query: "a:b OR (", kinds: []) { totalCount } }', {}),
    # Refusals and missing objects: the same errors, paths and codes.
    ('{ artifact(ref: "zoo-team/zoo/nothing:v0") { ref } }', {}),
    ('{ artifact(ref: "not a ref") { ref } }', {}),
    ('{ a: project(entity: "zoo-team", name: "zoo") { name } b: run(id: "zoo-team/zoo/none") { id } }', {}),
    ("{ entities(first: 0) { totalCount } }", {}),
    ('{ entities(after: "bm90IGEgY3Vyc29y") { totalCount } }', {}),
    (
        '{ artifactCollection(ref: "zoo-team/zoo/split_zoo_dataset") { versions(first: 200) { edges { node { '
        "usedBy(first: 200) { edges { node { inputs(first: 200) { edges { node { ref } } } } } } } } } } }",
        {},
    ),
    ('{ lineageCluster(id: "forged") { totalCount } }', {}),
    (f'{{ lineage(ref: "{MODEL}", depth: 99) {{ truncated }} }}', {}),
    # Several failing roots: argument coercion of every root comes first, then cost and compile, then reads.
    (
        """query($id: ID!, $ref: String!, $max: Int) { run(id: $id) { config }
             lineage(ref: $ref, depth: 0, maxNodes: $max) { truncated } }""",
        {"id": "", "ref": "", "max": None},
    ),
    ('{ a: run(id: "") { id } b: lineage(ref: "x", depth: 0) { truncated } }', {}),
    (
        """query($first: Int, $depth: Int) { artifactCollection(ref: "zoo-team/zoo/split_zoo_dataset") {
             versions(first: $first) { totalCount } } lineage(ref: "x", depth: $depth) { truncated } }""",
        {"first": None, "depth": None},
    ),
    (
        " ".join(
            [
                "{",
                *(
                    f'r{n}: runs(entity: "zoo-team", project: "zoo", first: 200) {{ edges {{ node {{ config }} }} }}'
                    for n in range(13)
                ),
                "}",
            ]
        ),
        {},
    ),
]


def _executions(server: str) -> dict[str, float]:
    text = httpx.get(f"{server}/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).text
    return {path: float(count) for path, count in _EXECUTIONS.findall(text)}


@pytest.fixture(scope="module")
def servers(server: str, neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A compiling and a resolving server on the session's graph (the session's own one verifies)."""
    started = {
        mode: ServerProcess(
            neo4j_uri, tmp_path_factory.mktemp(f"{mode}-state"), free_port(), {"STEMMA_GRAPHQL_EXECUTION": mode}
        ).start()
        for mode in ("compiled", "resolved")
    }
    yield {mode: process.url for mode, process in started.items()}
    for process in started.values():
        process.stop()


@pytest.fixture(scope="module")
def zoo(driver: Any, servers: dict[str, str], server: str) -> None:
    from tests.conftest import clean

    clean(driver)
    with GraphQLClient(server) as api:
        zoo = build_zoo(api)
        api.query('mutation { createRegistry(entity: "zoo-team", name: "model") { id } }')
        api.query(
            f'mutation {{ linkArtifact(ref: "{MODEL}", target: "zoo-team/registry-model/zoo-classifier", '
            'aliases: ["production"]) { version } }'
        )
        for index in range(3):
            run = zoo.run(f"sweep-{index}")
            zoo.use(run, DATASET)


@pytest.mark.parametrize("number", range(len(DOCUMENTS)))
def test_compiled_and_resolved_answers_are_the_same_bytes(servers: dict[str, str], zoo: None, number: int) -> None:
    query, variables = DOCUMENTS[number]
    before = _executions(servers["compiled"])
    answers = {
        mode: httpx.post(
            f"{url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            timeout=60,
        )
        for mode, url in servers.items()
    }
    compiled, resolved = answers["compiled"], answers["resolved"]
    assert (compiled.status_code, compiled.headers["content-type"]) == (
        resolved.status_code,
        resolved.headers["content-type"],
    )
    assert compiled.content == resolved.content
    assert '"data":{' in compiled.text or "errors" in compiled.json()
    after = _executions(servers["compiled"])
    assert after.get("compiled", 0) == before.get("compiled", 0) + 1, "the document was not compiled"


LATEST = MODEL.replace(":v0", ":latest")  # the version number is spoilt below
SPOIL = """MATCH (c:ArtifactCollection {name: 'zoo-ylbchv20'})<-[:VERSION_OF]-(v:ArtifactVersion {version: 0})
  <-[:LOGGED {created: true}]-(r:Run)
WITH v, r, v.version AS version, r.name AS name, r.tags AS tags, r.run_id AS run_id
SET v.version = $version, r.name = $name, r.tags = $tags, r.run_id = $run_id
RETURN elementId(v) AS v, elementId(r) AS r, version, name, tags, run_id"""
RESTORE = """MATCH (v), (r) WHERE elementId(v) = $v AND elementId(r) = $r
SET v.version = $version, r.name = $name, r.tags = $tags, r.run_id = $run_id"""


def test_values_no_field_can_answer_fail_each_field_once_as_resolution_does(
    servers: dict[str, str], zoo: None, driver: Any
) -> None:
    """Plain Cypher may leave values that no field can answer: a list for a run's name, no run id, one tag where
    a list is due, a version number past Int. Each such field fails as it does when resolved, its error recorded
    once, and null goes up to the nearest nullable field: a run's name is nullable, its run id and tags are not
    (so the run is null), and the version's null reaches the root. A missing value is the server's fault, not
    the client's: an internal error, not the String serialiser's refusal."""
    documents = [
        f'{{ artifact(ref: "{LATEST}") {{ ref createdBy {{ name runId state }} digest version }} }}',
        f'{{ artifact(ref: "{LATEST}") {{ ref createdBy {{ tags }} }} }}',
        f'{{ lineage(ref: "{LATEST}", direction: UPSTREAM, depth: 1) {{ nodes {{ __typename ... on Run {{ name state }}'
        " ... on ArtifactVersion { ref version } } } }",
    ]
    with driver.session() as session:
        kept = session.run(SPOIL, version=2**40, name=["not", "a", "name"], tags="one-tag", run_id=None).single()
    assert kept is not None
    compiled_before = _executions(servers["compiled"]).get("compiled", 0)
    try:
        answers = [
            {
                mode: httpx.post(
                    f"{url}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
                )
                for mode, url in servers.items()
            }
            for query in documents
        ]
    finally:
        with driver.session() as session:
            restored = session.run(RESTORE, kept.data()).consume().counters.properties_set
    assert restored == 4
    assert _executions(servers["compiled"])["compiled"] == compiled_before + len(documents)
    for answer in answers:
        assert answer["compiled"].content == answer["resolved"].content
    version, tags, lineage = (answer["compiled"].json() for answer in answers)
    assert version["data"] is None
    assert [(error["path"], error["message"]) for error in version["errors"]] == [
        (["artifact", "createdBy", "name"], "String cannot represent value: ['not', 'a', 'name']"),
        (["artifact", "createdBy", "runId"], "Internal error."),
        (["artifact", "version"], f"Int cannot represent non 32-bit signed integer value: {2**40}"),
    ]
    assert tags["data"] == {"artifact": {"ref": LATEST.replace(":latest", f":v{2**40}"), "createdBy": None}}
    assert [(error["path"], error["message"]) for error in tags["errors"]] == [
        (["artifact", "createdBy", "tags"], "Expected Iterable, but did not find one for field 'Run.tags'.")
    ]
    assert lineage["data"] is None
    assert [(error["path"][:2], error["path"][-1]) for error in lineage["errors"]] == [
        (["lineage", "nodes"], "version")
    ]


def test_one_document_asked_again_answers_for_its_own_variables(servers: dict[str, str], zoo: None) -> None:
    """A document's completion plans and the selections no variable reaches are kept with it across requests:
    where `@skip` or `@include` takes a variable each request selects its own fields, and a field whose
    arguments (or its sub-fields', through a fragment here) take one gets them from each request."""
    skipping = """query($skip: Boolean!, $first: Int) {
      artifact(ref: "zoo-team/zoo/split_zoo_dataset:latest") { version @skip(if: $skip) digest @include(if: true) }
      uses: artifact(ref: "zoo-team/zoo/split_zoo_dataset:latest") { ...Uses } }
      fragment Uses on ArtifactVersion { usedBy(first: $first) { edges { node { name } } } }"""
    answers = {}
    for skip, first in ((True, 1), (False, 2), (True, 3)):
        for mode, url in servers.items():
            response = httpx.post(
                f"{url}/graphql",
                json={"query": skipping, "variables": {"skip": skip, "first": first}},
                headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            )
            answers[mode, skip, first] = response.json()["data"]
    for skip, first in ((True, 1), (False, 2), (True, 3)):
        compiled = answers["compiled", skip, first]
        assert compiled == answers["resolved", skip, first]
        assert list(compiled["artifact"]) == (["digest"] if skip else ["version", "digest"])
        assert len(compiled["uses"]["usedBy"]["edges"]) == first


def test_variables_json_cannot_hold_are_refused_each_time(servers: dict[str, str], server: str, zoo: None) -> None:
    """Python's JSON reader takes NaN, Infinity and 1e400 (an infinity), which an Int cannot hold. Sent after the
    same request with null, which compiled execution keeps (`schema.asked`), each is refused as when it comes
    first: not answered as the null one was (nor, verifying, found to differ from the resolved answer)."""
    query = "query($n: Int) { entities(first: $n) { edges { node { name } } } }"
    for url in (servers["compiled"], server):
        for value in ("null", "NaN", "null", "Infinity", "null", "-Infinity", "null", "1e400"):
            response = httpx.post(
                f"{url}/graphql",
                content=f'{{"query": {json.dumps(query)}, "variables": {{"n": {value}}}}}',
                headers={"Authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"},
            )
            body = response.json()
            if value == "null":
                assert body["data"]["entities"]["edges"], body
                continue
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (url, value, body)
            assert "$n" in error["message"] and "Int cannot represent" in error["message"], body


def test_a_lone_surrogate_in_any_variable_is_refused_each_time(servers: dict[str, str], server: str, zoo: None) -> None:
    """A request is kept by the variables its operation declares; one that also sends an undeclared variable
    holding a lone surrogate is still refused, as when it comes first (and as Strawberry refuses it)."""
    query = "query($r: String!) { artifact(ref: $r) { ref } }"
    for url in (servers["compiled"], server):
        answers = [
            httpx.post(
                f"{url}/graphql",
                content=json.dumps({"query": query, "variables": variables}),
                headers={"Authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"},
            ).json()
            for variables in ({"r": MODEL, "z": "\ud800"}, {"r": MODEL}, {"r": MODEL, "z": "\ud800"})
        ]
        assert answers[1] == {"data": {"artifact": {"ref": MODEL}}}
        for refused in (answers[0], answers[2]):
            [error] = refused["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (url, refused)
            assert "variables.z" in error["message"], refused


def test_what_does_not_compile_is_resolved(servers: dict[str, str], zoo: None) -> None:
    """Mutations, introspection, root fields that are not one statement and invalid documents go to
    Strawberry, which answers them as before (several operations with no name run nowhere: test_graphql_http)."""
    url = servers["compiled"]
    documents = [
        "{ health { ok } }",
        "{ limits { maxPageSize } }",
        "{ __schema { queryType { name } } }",
        '{ artifact(ref: "x/y/z:v0") { nope } }',
        'mutation { createRegistry(entity: "zoo-team", name: "dataset") { id } }',
    ]
    for query in documents:
        before = _executions(url)
        httpx.post(f"{url}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        after = _executions(url)
        assert after.get("compiled", 0) == before.get("compiled", 0), query
        assert after["resolved"] == before.get("resolved", 0) + 1, query


def test_the_session_server_verifies_every_query(server: str, zoo: None) -> None:
    """The server every other test talks to answers compilable queries both ways (so each test is also a
    differential test); its log would hold any difference."""
    before = _executions(server)
    with GraphQLClient(server) as api:
        api.query(f'{{ artifact(ref: "{MODEL}") {{ ref createdBy {{ name }} }} }}')
    assert _executions(server)["compiled"] == before.get("compiled", 0) + 1


def test_the_schema_and_the_compile_rules_cannot_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = build_schema()._schema
    check_model(schema)  # as they are: in agreement
    drifted = {name: dict(rules) for name, rules in TYPES.items()}
    del drifted["ArtifactVersion"]["digest"]
    drifted["Run"]["nickname"] = prop("nickname")
    drifted["Project"]["runs"] = prop("runs")
    monkeypatch.setattr("schema.compiled.TYPES", drifted)
    with pytest.raises(RuntimeError) as refused:
        check_model(schema)
    message = str(refused.value)
    assert "ArtifactVersion.digest: in the schema only" in message
    assert "Run.nickname: in cypher.model.TYPES only" in message
    assert "Project.runs: takes arguments but is not a connection (Page) rule" in message
