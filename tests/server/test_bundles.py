"""History that moves between servers: `stemma export ENTITY/PROJECT` writes a project's bundle and `stemma import
BUNDLE --into ENTITY` rebuilds it, on another server with its own Neo4j or in another entity of the same one: the
same runs, version numbers, digests, aliases, lineage (clusters included), registry links and file bytes, with
their times; a second import changes nothing, and a refused one leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver, GraphDatabase

from bench.bundles import WHEN, chain
from cypher.bundle import ONWARD_BATCH
from neo4j_local.launcher import LocalNeo4j
from server.demo import build_zoo
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import ROOT, free_port, graph_state
from tests.server.test_cli import stemma
from tests.serving import ServerProcess

MODEL = "zoo-ylbchv20:v0"
LINEAGE = """query($ref: String!) {
  lineage(ref: $ref, direction: BOTH, depth: 6, clusterThreshold: 2, maxNodes: 200) {
    root { ...node }
    nodes { ...node }
    edges { kind at alias created from to }
    clusters { id side kind edgeKind count leaves jobType group collection }
    truncated
  } }
fragment node on LineageNode {
  __typename
  ... on Run { id runId name state jobType group createdAt finishedAt config summary user }
  ... on ArtifactVersion { id ref version digest size createdAt aliases versionState: state metadata }
}"""
VERSIONS = """query($ref: String!) { artifact(ref: $ref) { version digest createdAt aliases state
  files { path digest size ref } } }"""
REGISTRY = """query($ref: String!) { artifact(ref: $ref) { ref version digest } }"""
HISTORY = """query($id: ID!) { run(id: $id) { summary lastStep createdAt finishedAt }
  runHistory(id: $id) { rows hasMore endStep } }"""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Driver]]:
    """Another server with a Neo4j of its own: its url, its first (superuser) key, a driver to its graph."""
    name = tmp_path_factory.mktemp("target").name
    local = LocalNeo4j(
        state_dir=ROOT / ".stemma", name=f"bundle-{name}", port=free_port(), heap="512m", page_cache="128m"
    )
    local.start()
    user, password = local.auth
    credentials = {"STEMMA_NEO4J_USER": user, "STEMMA_NEO4J_PASSWORD": password}
    process = ServerProcess(local.uri, tmp_path_factory.mktemp("target-server"), free_port(), credentials)
    try:
        process.start()
        key = process.first_admin_key()
        with GraphDatabase.driver(local.uri, auth=local.auth) as driver:
            yield process.url, key, driver
    finally:
        process.stop()
        local.stop()
        shutil.rmtree(local.home, ignore_errors=True)


def cli(url: str, key: str, *args: str, refused: bool = False) -> str:
    """What `stemma ARGS` said on standard error, asked of `url` with `key`; it must succeed, or be refused."""
    env = {**os.environ, "STEMMA_BASE_URL": url, "STEMMA_API_KEY": key, "STEMMA_CONFIG": "/nonexistent/stemma.toml"}
    done = stemma(*args, env=env)
    assert done.returncode == (1 if refused else 0), done.stderr
    return done.stderr


def world(api: GraphQLClient) -> Builder:
    """The zoo (six preprocess runs, a model in the registry as production, a sweep the lineage clusters), fed
    by a dataset from another project; a run with history; a deleted version; a file left at its URI."""
    raw = Builder(api, project="raw")
    fetch = raw.run("fetch", job_type="fetch")
    raw.log(fetch, "zoo_source", files={"zoo.csv": b"animal,legs\nant,6\n"})
    raw.finish(fetch)
    build_zoo(str(api.http.base_url).rstrip("/"), hub_runs=3)
    zoo = Builder(api)
    prep = "zoo-team/zoo/prep-0"
    api.query(
        "mutation($r: ID!, $ref: String!) { useArtifact(runId: $r, ref: $ref) { id } }",
        r=prep,
        ref="zoo-team/raw/zoo_source:v0",
    )
    api.query(
        "mutation($input: LogRunInput!) { logRun(input: $input) { id } }",
        input={
            "id": "zoo-team/zoo/rf20",
            "summary": {"acc": 0.93},
            "history": [{"_step": 0, "loss": 1.5}, {"_step": 1, "loss": 0.7}],
        },
    )
    scratch = zoo.run("scratch", job_type="explore")
    zoo.log(scratch, "notes", "text", files={"a.txt": b"first"})
    zoo.log(
        scratch,
        "notes",
        "text",
        files={"b.txt": b"second"},
        aliases=["keep"],
    )
    api.query('mutation { deleteArtifactVersion(ref: "zoo-team/zoo/notes:v0") { state } }')
    remote = [{"path": "remote.csv", "digest": "etag-1234", "size": 10, "ref": "s3://lake/remote.csv"}]
    api.query(
        "mutation($input: LogArtifactInput!) { logArtifact(input: $input) { created } }",
        input={"runId": "zoo-team/zoo/scratch", "name": "lake", "type": "dataset", "files": remote},
    )
    zoo.finish(scratch)
    return zoo


def lineage_view(url: str, key: str, ref: str, entity: str) -> dict[str, Any]:
    """The lineage of `ref`, its server's ids replaced by what names each node on any server."""
    with GraphQLClient(url, key) as api:
        found = api.query(LINEAGE, ref=ref)["lineage"]
    names: dict[str, str] = {}
    for node in [found["root"], *found["nodes"]]:
        names[node["id"]] = node.get("ref") or node["runId"]
    for cluster in found["clusters"]:
        names[cluster["id"]] = f"cluster {cluster['side']} {cluster['jobType']} {cluster['group']} {cluster['count']}"
    text = json.dumps(
        {
            "root": names[found["root"]["id"]],
            "nodes": sorted((names[n["id"]], json.dumps({**n, "id": None}, sort_keys=True)) for n in found["nodes"]),
            "edges": sorted(
                json.dumps({**e, "from": names[e["from"]], "to": names[e["to"]]}, sort_keys=True)
                for e in found["edges"]
            ),
            "clusters": sorted(json.dumps({**c, "id": names[c["id"]]}, sort_keys=True) for c in found["clusters"]),
            "truncated": found["truncated"],
        }
    )
    return dict(json.loads(text.replace(f"{entity}/", "ENTITY/")))


def test_a_project_moves_to_another_server_or_into_another_entity_with_the_same_lineage_numbers_aliases_and_bytes(
    api: GraphQLClient, server: str, driver: Driver, target: tuple[str, str, Driver], tmp_path: Path
) -> None:
    """One world and its bundles for both journeys: building the zoo is most of the time."""
    world(api)
    source_key = os.environ["STEMMA_API_KEY"]
    rebuilt_on_another_server(api, server, source_key, target, tmp_path)
    imported_into_another_entity_by_its_admin(api, server, source_key, driver, tmp_path)


def rebuilt_on_another_server(
    api: GraphQLClient, server: str, source_key: str, target: tuple[str, str, Driver], tmp_path: Path
) -> None:
    cli(server, source_key, "export", "zoo-team/raw", "--output", str(tmp_path / "raw.tar.gz"))
    said = cli(server, source_key, "export", "zoo-team/zoo", "--output", str(tmp_path / "zoo.tar.gz"))
    assert "12 runs" in said and "files" in said
    with tarfile.open(tmp_path / "zoo.tar.gz") as tar:
        names = tar.getnames()
    assert names[0] == "bundle.json" and all(name.startswith("files/") for name in names[1:])
    assert len(names[1:]) == len(set(names[1:]))  # each content once: v4's two logs, one file

    url, key, driver = target
    refused = cli(url, key, "import", str(tmp_path / "zoo.tar.gz"), "--into", "zoo-team", refused=True)
    assert "zoo-team/raw/zoo_source:v0" in refused
    assert "import the project that holds it first" in refused
    cli(url, key, "import", str(tmp_path / "raw.tar.gz"), "--into", "zoo-team")
    said = cli(url, key, "import", str(tmp_path / "zoo.tar.gz"), "--into", "zoo-team")
    assert "created 12 runs" in said

    for ref in (f"zoo-team/zoo/{MODEL}", "zoo-team/zoo/split_zoo_dataset:v4", "zoo-team/raw/zoo_source:v0"):
        assert lineage_view(url, key, ref, "zoo-team") == lineage_view(server, source_key, ref, "zoo-team")
    with GraphQLClient(url, key) as copy:
        for ref in (
            "zoo-team/zoo/notes:v0",
            "zoo-team/zoo/notes:keep",
            "zoo-team/zoo/lake:latest",
            f"zoo-team/zoo/{MODEL}",
        ):
            assert copy.query(VERSIONS, ref=ref) == api.query(VERSIONS, ref=ref)
        registry = "zoo-team/registry-model/zoo-classifier:production"
        assert copy.query(REGISTRY, ref=registry) == api.query(REGISTRY, ref=registry)
        assert copy.query(HISTORY, id="zoo-team/zoo/rf20") == api.query(HISTORY, id="zoo-team/zoo/rf20")
        assert copy.query(HISTORY, id="zoo-team/zoo/rf20")["run"]["lastStep"] == 1
    import stemma as sdk

    for base, secret, folder in ((server, source_key, "from"), (url, key, "to")):
        sdk.Api(base_url=base, api_key=secret).artifact(f"zoo-team/zoo/{MODEL}").download(str(tmp_path / folder))
    for name in ("model.pt", "config.json"):
        assert (tmp_path / "to" / name).read_bytes() == (tmp_path / "from" / name).read_bytes()

    before = graph_state(driver)
    said = cli(url, key, "import", str(tmp_path / "zoo.tar.gz"), "--into", "zoo-team")
    assert "created 0 runs, 0 versions, 0 lineage edges, 0 registry links" in said
    assert graph_state(driver) == before


def imported_into_another_entity_by_its_admin(
    api: GraphQLClient, server: str, source_key: str, driver: Driver, tmp_path: Path
) -> None:
    """The bundles the other journey exported, imported on their own server into zoo-copy; a repeat changes nothing."""
    api.query('mutation { createRegistry(entity: "zoo-copy", name: "scratch") { id } }')
    api.query('mutation { addMember(entity: "zoo-copy", user: "ada", role: ADMIN) { role } }')
    api.query('mutation { addMember(entity: "zoo-copy", user: "max", role: MEMBER) { role } }')
    admin = api.query('mutation { createApiKey(user: "ada") { key } }')["createApiKey"]["key"]
    member = api.query('mutation { createApiKey(user: "max") { key } }')["createApiKey"]["key"]

    before = graph_state(driver)
    refused = cli(server, member, "import", str(tmp_path / "raw.tar.gz"), "--into", "zoo-copy", refused=True)
    assert "needs the admin role" in refused
    assert graph_state(driver) == before

    for project in ("raw", "zoo"):
        cli(server, admin, "import", str(tmp_path / f"{project}.tar.gz"), "--into", "zoo-copy")
    assert lineage_view(server, admin, f"zoo-copy/zoo/{MODEL}", "zoo-copy") == lineage_view(
        server, source_key, f"zoo-team/zoo/{MODEL}", "zoo-team"
    )
    with GraphQLClient(server, admin) as copy:
        hidden = copy.error(VERSIONS, ref=f"zoo-team/zoo/{MODEL}")  # ada still sees nothing of zoo-team
        assert hidden["extensions"]["code"] == "NOT_FOUND"
        found = copy.query(REGISTRY, ref="zoo-copy/registry-model/zoo-classifier:production")
    assert found["artifact"]["ref"] == f"zoo-copy/zoo/{MODEL}"
    before = graph_state(driver)
    said = cli(server, admin, "import", str(tmp_path / "zoo.tar.gz"), "--into", "zoo-copy")
    assert "created 0 runs, 0 versions, 0 lineage edges, 0 registry links" in said
    assert graph_state(driver) == before

    # A registry linked to after the projects moved: its own bundle names the versions by reference.
    api.query('mutation { createRegistry(entity: "zoo-team", name: "audit") { id } }')
    api.query(
        'mutation($ref: String!, $target: String!) { linkArtifact(ref: $ref, target: $target, aliases: ["signed"]) '
        "{ ref } }",
        ref=f"zoo-team/zoo/{MODEL}",
        target="zoo-team/registry-audit/approved",
    )
    said = cli(server, source_key, "export", "zoo-team/registry-audit", "--output", str(tmp_path / "audit.tar.gz"))
    assert "1 registry links" in said
    refused = cli(server, source_key, "import", str(tmp_path / "audit.tar.gz"), "--into", "zoo-elsewhere", refused=True)
    assert f"zoo-elsewhere/zoo/{MODEL}" in refused
    said = cli(server, admin, "import", str(tmp_path / "audit.tar.gz"), "--into", "zoo-copy")
    assert "zoo-copy/registry-audit: created 0 runs, 0 versions, 0 lineage edges, 1 registry links" in said
    with GraphQLClient(server, admin) as copy:
        found = copy.query(REGISTRY, ref="zoo-copy/registry-audit/approved:signed")
    assert found["artifact"]["ref"] == f"zoo-copy/zoo/{MODEL}"
    before = graph_state(driver)
    said = cli(server, admin, "import", str(tmp_path / "audit.tar.gz"), "--into", "zoo-copy")
    assert "created 0 runs, 0 versions, 0 lineage edges, 0 registry links" in said
    assert graph_state(driver) == before


@pytest.fixture(scope="module")
def zoo_bundle(server: str) -> dict[str, Any]:
    """The zoo's bundle, exported once for the module (each test starts from an empty graph)."""
    build_zoo(server)
    return bundle_of(server, "zoo-team/zoo")


def bundle_of(server: str, project: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server}/api/v1/export",
        params={"project": project},
        headers={"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def post_bundle(server: str, bundle: Any, entity: str, key: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{server}/api/v1/import",
        params={"entity": entity},
        json=bundle,
        headers={"authorization": f"Bearer {key or os.environ['STEMMA_API_KEY']}"},
        timeout=120,
    )


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def spoiled(bundle: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the bundle with the value at `path` (`runs.0.createdAt`) replaced."""
    copy = json.loads(json.dumps(bundle))
    *steps, last = path.split(".")
    place = copy
    for step in steps:
        place = place[int(step)] if isinstance(place, list) else place[step]
    place[int(last) if isinstance(place, list) else last] = value
    return dict(copy)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("runs.0.createdAt", "yesterday", "runs[0].createdAt"),
        ("runs.0.state", "paused", "runs[0].state"),
        ("runs.0.createdAt", "0001-01-01T00:00:00+14:00", "runs[0].createdAt"),  # before year 1 in UTC
        ("runs.0.createdAt", "9999-12-31T23:59:59-14:00", "runs[0].createdAt"),
        ("runs.0.createdAt", "2024-01-01 00:00:00+00:00", "runs[0].createdAt"),
        ("runs.0.createdAt", "2024-01-01T00:00:00+00:00:30", "runs[0].createdAt"),
        ("runs.0.createdAt", "2024-01-01T00:00:00.1234567891+00:00", "runs[0].createdAt"),
        ("runs.0.createdAt", "2024-01-01T00:00:00+19:00", "runs[0].createdAt"),
        ("runs.0.summary", {"s": "\N{GRINNING FACE}" * 16000}, "runs[0].summary"),  # 192 KB as stored
        ("registries.0.links.0.artifact", "zoo-ylbchv20:v\N{SUPERSCRIPT TWO}", "registries[0].links[0].artifact"),
        ("registries.0.type", "dataset", "registries[0].links[0].artifact"),
        ("registries.0.nextVersion", 2**63 - 1, "registries[0].nextVersion"),
        ("collections.0.versions.0.digest", "0" * 64, "collections[0].versions[0].digest"),
        ("collections.0.versions.0.version", 7, "collections[0].versions"),
        ("collections.0.versions.0.files.0.path", "../etc/passwd", "collections[0].versions[0].files[0].path"),
        ("edges.0.artifact", "zoo-team/zoo/nothing", "edges[0].artifact"),
        ("edges.0.run", "nobody", "edges[0].run"),
        ("registries.0.links.0.version", 99, "registries[0].links"),
        ("format", "zip", "format"),
        ("formatVersion", 2, "formatVersion"),
        # the bundle is 0 deep, runs[0].config.x 4: its 60th list inside is 64 deep, one more than JSON may hold
        ("runs.0.config", {"x": nested(70)}, "runs[0].config.x" + "[0]" * 60),
    ],
)
def test_a_spoiled_bundle_is_refused_naming_the_field_and_writes_nothing(
    zoo_bundle: dict[str, Any], server: str, driver: Driver, path: str, value: Any, field: str
) -> None:
    before = graph_state(driver)  # an import that wrote anything before it refused would change it
    response = post_bundle(server, spoiled(zoo_bundle, path, value), "zoo-copy")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BAD_USER_INPUT" and error["field"] == field, error
    assert graph_state(driver) == before


def test_content_the_importer_does_not_hold_is_refused_and_a_collection_holding_other_content_is_a_conflict(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    build_zoo(server)
    bundle = bundle_of(server, "zoo-team/zoo")
    api.query('mutation { addMember(entity: "zoo-copy", user: "ada", role: ADMIN) { role } }')
    admin = api.query('mutation { createApiKey(user: "ada") { key } }')["createApiKey"]["key"]
    before = graph_state(driver)
    response = post_bundle(server, bundle, "zoo-copy", admin)  # ada uploaded nothing and cannot read zoo-team
    assert response.status_code == 400 and response.json()["error"]["field"].endswith(".files")
    assert "you have not uploaded" in response.json()["error"]["message"]
    assert graph_state(driver) == before

    other = Builder(api, entity="zoo-copy")
    run = other.run("elsewhere", job_type="preprocess")
    other.log(run, "split_zoo_dataset", files={"split.csv": b"other rows"})
    before = graph_state(driver)
    response = post_bundle(server, bundle, "zoo-copy")
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "CONFLICT" and error["field"] == "collections[0].versions[0].version", error
    assert "would become v1, not v0" in error["message"]
    assert graph_state(driver) == before


def test_export_shows_only_what_the_caller_may_read(api: GraphQLClient, server: str) -> None:
    build_zoo(server)
    api.query('mutation { addMember(entity: "elsewhere", user: "eve", role: ADMIN) { role } }')
    eve = api.query('mutation { createApiKey(user: "eve") { key } }')["createApiKey"]["key"]
    for project in ("zoo-team/zoo", "zoo-team/nothing"):
        response = httpx.get(
            f"{server}/api/v1/export", params={"project": project}, headers={"authorization": f"Bearer {eve}"}
        )
        assert response.status_code == 404 and response.json()["error"]["field"] == "project"
    response = httpx.get(
        f"{server}/api/v1/export", params={"project": "zoo-team"}, headers={"authorization": f"Bearer {eve}"}
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "project"


def test_an_export_leaves_out_edges_to_versions_the_caller_may_not_see_and_says_how_many(
    api: GraphQLClient, server: str
) -> None:
    build_zoo(server)
    secret = Builder(api, entity="vault", project="keys")
    secret.log(secret.run("mint", job_type="mint"), "master_key")
    api.query(
        "mutation($r: ID!, $ref: String!) { useArtifact(runId: $r, ref: $ref) { id } }",
        r="zoo-team/zoo/rf20",
        ref="vault/keys/master_key:v0",
    )
    api.query('mutation { addMember(entity: "zoo-team", user: "vic", role: VIEWER) { role } }')
    viewer = api.query('mutation { createApiKey(user: "vic") { key } }')["createApiKey"]["key"]
    seen = httpx.get(
        f"{server}/api/v1/export", params={"project": "zoo-team/zoo"}, headers={"authorization": f"Bearer {viewer}"}
    ).json()
    everything = bundle_of(server, "zoo-team/zoo")
    assert "vault/keys/master_key:v0" not in json.dumps(seen) and seen["hiddenEdges"] == 1
    assert [e for e in everything["edges"] if e["artifact"] == "vault/keys/master_key:v0"] and not everything[
        "hiddenEdges"
    ]
    assert len(seen["edges"]) == len(everything["edges"]) - 1


def test_a_bundle_may_be_larger_than_a_graphql_request_but_not_than_the_import_limit(server: str) -> None:
    auth = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}", "content-type": "application/json"}
    padded = json.dumps({"format": "zip", "padding": "x" * (2 * 1024 * 1024)})
    response = httpx.post(f"{server}/api/v1/import", params={"entity": "zoo-copy"}, content=padded, headers=auth)
    assert response.status_code == 400 and response.json()["error"]["field"] == "format"

    def streamed() -> Iterator[bytes]:
        for _ in range(65):
            yield b"x" * (1024 * 1024)

    response = httpx.post(f"{server}/api/v1/import", params={"entity": "zoo-copy"}, content=streamed(), headers=auth)
    assert response.status_code == 413 and response.json()["error"]["limit"] == 64 * 1024 * 1024


def test_a_generated_bundle_is_imported_with_its_times_in_utc_and_may_not_log_into_another_entity(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    bundle = chain(200)
    bundle["runs"][0]["createdAt"] = "2026-01-01T02:00:00.123456789+02:00"
    response = post_bundle(server, bundle, "chained")
    assert response.status_code == 200 and response.json()["created"]["edges"] == 399, response.text
    run = api.query('{ run(id: "chained/p/r0") { createdAt } }')["run"]
    assert run["createdAt"].startswith("2026-01-01T00:00:00.123")

    vault = Builder(api, entity="vault", project="keys")
    vault.log(vault.run("mint", job_type="mint"), "master_key")
    bundle = chain(3)
    bundle["edges"].append(
        {"kind": "logged", "run": "r0", "artifact": "vault/keys/master_key:v0", "at": "2026-01-01T00:00:00Z"}
    )
    before = graph_state(driver)
    response = post_bundle(server, bundle, "chained-again")
    assert response.status_code == 400 and response.json()["error"]["field"] == "edges[5].artifact", response.text
    assert graph_state(driver) == before


def test_a_version_whose_first_uses_come_in_several_marking_batches_is_marked_onward_of_its_producer(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    """The hub, logged earlier and used by nothing, gets more uses from one import than one onward-marking
    statement takes (ONWARD_BATCH): its first edges out make it onward of the run that logged it, as one
    useArtifact would have, although no batch holds all of them."""
    hubbed = Builder(api, entity="hubbed", project="up")
    hubbed.log(hubbed.run("maker", job_type="make"), "hub")
    uses = ONWARD_BATCH + ONWARD_BATCH // 2
    bundle = chain(1)
    bundle["runs"] = [{"runId": f"u{n}", "name": f"u{n}", "state": "finished", "createdAt": WHEN} for n in range(uses)]
    bundle["collections"] = []
    bundle["edges"] = [
        {"kind": "used", "run": f"u{n}", "artifact": "hubbed/up/hub:v0", "at": WHEN} for n in range(uses)
    ]
    response = post_bundle(server, bundle, "hubbed")
    assert response.status_code == 200 and response.json()["created"]["edges"] == uses, response.text
    records, _, _ = driver.execute_query(
        "MATCH (r:Run {name: 'maker'})-[:LOGGED]->(v:ArtifactVersion) "
        "RETURN COUNT { (:LineageOnward {node: r.id, side: 'DOWNSTREAM', neighbour: v.id}) } AS marks"
    )
    assert records[0]["marks"] == 1


@pytest.mark.parametrize(
    ("collection_registry", "artifact", "field"),
    [
        ("other", "src/p/parts:v0", "registries[0].registry"),  # a registry's bundle holds only that registry
        ("audit", "src/p/parts:v\N{ARABIC-INDIC DIGIT ONE}", "registries[0].links[0].artifact (alias)"),  # not v1
    ],
)
def test_a_spoiled_registry_bundle_is_refused_naming_the_field(
    server: str, driver: Driver, collection_registry: str, artifact: str, field: str
) -> None:
    link = {"artifact": artifact, "version": 0, "linkedAt": WHEN, "aliases": []}
    collection = {"registry": collection_registry, "name": "approved", "createdAt": WHEN, "nextVersion": 1}
    bundle = {
        "format": "stemma-bundle",
        "formatVersion": 1,
        "entity": "src",
        "project": None,
        "registry": "audit",
        "registries": [{**collection, "links": [link]}],
    }
    before = graph_state(driver)
    response = post_bundle(server, bundle, "chained")
    assert response.status_code == 400 and response.json()["error"]["field"] == field, response.text
    assert graph_state(driver) == before
