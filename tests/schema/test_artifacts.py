from __future__ import annotations

import hashlib

from neo4j import Driver

from tests.builders import LOG, Builder
from tests.client import GraphQLClient

VERSION = """query($ref: String!) { artifact(ref: $ref) {
  ref version versionName type digest size fileCount metadata description aliases deleted state
  files { path digest size } collection { ref type } createdBy { runId }
  loggedBy { totalCount edges { created node { runId } } } } }"""


def test_new_content_gets_the_next_version_and_becomes_latest(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    first = zoo.log(run, "data", files={"a.csv": b"one"})
    second = zoo.log(run, "data", files={"a.csv": b"two"})
    assert (first["created"], first["artifact"]["version"], first["artifact"]["aliases"]) == (True, 0, ["latest"])
    assert (second["created"], second["artifact"]["version"], second["artifact"]["aliases"]) == (True, 1, ["latest"])
    assert api.query(VERSION, ref="zoo-team/zoo/data:latest")["artifact"]["ref"] == "zoo-team/zoo/data:v1"
    assert api.query(VERSION, ref="zoo-team/zoo/data:v0")["artifact"]["aliases"] == []


def test_a_version_carries_its_manifest_metadata_and_creator(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    files = {"b/model.pt": b"weights" * 100, "a/config.json": b"{}"}
    zoo.log(run, "model", "model", files=files, metadata={"acc": 0.93, "epochs": [1, 2]}, description="first")
    artifact = api.query(VERSION, ref="zoo-team/zoo/model:v0")["artifact"]
    manifest = sorted(files.items())
    expected_digest = hashlib.sha256(
        "".join(f"{path}\0{hashlib.sha256(body).hexdigest()}\0{len(body)}\n" for path, body in manifest).encode()
    ).hexdigest()
    assert artifact == {
        "ref": "zoo-team/zoo/model:v0",
        "version": 0,
        "versionName": "v0",
        "type": "model",
        "digest": expected_digest,
        "size": 702,
        "fileCount": 2,
        "metadata": {"acc": 0.93, "epochs": [1, 2]},
        "description": "first",
        "aliases": ["latest"],
        "deleted": False,
        "state": "COMMITTED",
        "files": [
            {"path": path, "digest": hashlib.sha256(body).hexdigest(), "size": len(body)} for path, body in manifest
        ],
        "collection": {"ref": "zoo-team/zoo/model", "type": "model"},
        "createdBy": {"runId": "r1"},
        "loggedBy": {"totalCount": 1, "edges": [{"created": True, "node": {"runId": "r1"}}]},
    }


def test_relogging_identical_content_reuses_the_version_and_records_the_logger(
    api: GraphQLClient, driver: Driver
) -> None:
    zoo = Builder(api)
    runs = [zoo.run(f"r{n}") for n in range(3)]
    results = [zoo.log(run, "data", files={"a.csv": b"same"}) for run in runs]
    assert [r["created"] for r in results] == [True, False, False]
    assert {r["artifact"]["id"] for r in results} == {results[0]["artifact"]["id"]}
    zoo.log(runs[1], "data", files={"a.csv": b"same"})
    records, _, _ = driver.execute_query(
        "MATCH (r:Run)-[l:LOGGED]->(v:ArtifactVersion) RETURN r.run_id AS run, l.created AS created, v.version AS v "
        "ORDER BY run"
    )
    assert [tuple(r.values()) for r in records] == [("r0", True, 0), ("r1", False, 0), ("r2", False, 0)]


def test_a_collection_keeps_the_type_of_its_first_version(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "zoo", "dataset")
    digest = api.put_file(b"other")
    error = api.error(
        LOG, input={"runId": run, "name": "zoo", "type": "model", "files": [{"path": "m", "digest": digest, "size": 5}]}
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["existing_type"] == "dataset"
    assert error["extensions"]["requested_type"] == "model"
    assert "dataset" in error["message"] and "model" in error["message"]
    records, _, _ = driver.execute_query("MATCH (v:ArtifactVersion) RETURN count(v) AS n")
    assert records[0]["n"] == 1


def test_bad_log_input_is_refused_naming_the_field(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    digest = api.put_file(b"content")
    good = {"runId": run, "name": "data", "type": "dataset", "files": [{"path": "a", "digest": digest, "size": 7}]}
    cases = [
        ({"metadata": [1, 2]}, "input.metadata", "BAD_USER_INPUT"),
        ({"metadata": "text"}, "input.metadata", "BAD_USER_INPUT"),
        ({"name": "da ta"}, "input.name", "BAD_USER_INPUT"),
        ({"type": "t" * 129}, "input.type", "BAD_USER_INPUT"),
        ({"aliases": ["v3"]}, "input.aliases[0]", "BAD_USER_INPUT"),
        ({"aliases": ["latest"]}, "input.aliases[0]", "BAD_USER_INPUT"),
        ({"files": [{"path": "../etc/passwd", "digest": digest, "size": 7}]}, "input.files[0].path", "BAD_USER_INPUT"),
        ({"files": [{"path": "a", "digest": "XYZ", "size": 7}]}, "input.files[0].digest", "BAD_USER_INPUT"),
        ({"files": [{"path": "a", "digest": digest, "size": -1}]}, "input.files[0].size", "BAD_USER_INPUT"),
        ({"files": [{"path": "a", "digest": "0" * 64, "size": 1}]}, "input.files", "BAD_USER_INPUT"),
        ({"runId": "zoo-team/zoo/missing"}, "runId", "NOT_FOUND"),
        ({"runId": "not-a-run-id"}, "input.runId", "BAD_USER_INPUT"),
    ]
    for change, field, code in cases:
        error = api.error(LOG, input={**good, **change})
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field), (change, error)
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE n:ArtifactVersion OR n:ArtifactCollection RETURN count(n) AS n"
    )
    assert records[0]["n"] == 0


def test_missing_uploads_are_listed(api: GraphQLClient) -> None:
    run = Builder(api).run("r1")
    error = api.error(
        LOG,
        input={"runId": run, "name": "d", "type": "dataset", "files": [{"path": "a", "digest": "a" * 64, "size": 1}]},
    )
    assert error["extensions"]["missing"] == ["a" * 64]
    assert "'a'" in error["message"]


def test_versions_are_listed_newest_first_in_keyset_pages(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    for number in range(7):
        zoo.log(run, "data", files={"a": str(number).encode()})
    query = """query($after: String) { artifactCollection(ref: "zoo-team/zoo/data") {
      versions(first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { version } } } } }"""
    seen, after, pages = [], None, 0
    while True:
        page = api.query(query, after=after)["artifactCollection"]["versions"]
        assert page["totalCount"] == 7
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["version"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == [6, 5, 4, 3, 2, 1, 0]
    assert pages == 3


def test_page_size_and_cursors_are_checked(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    too_big = api.error(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { versions(first: 201) { totalCount edges { cursor } } } }'
    )
    assert too_big["extensions"] == {"code": "BAD_USER_INPUT", "field": "first", "limit": 200}
    assert "200" in too_big["message"]
    forged = api.error(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { versions(after: "bm90IGEgY3Vyc29y") { edges { cursor } } } }'
    )
    assert forged["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


def test_collections_of_a_project_filter_by_type_and_name_prefix(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    for name, type_ in [("train-split", "dataset"), ("test-split", "dataset"), ("trainer", "model")]:
        zoo.log(run, name, type_)
    query = """query($t: String, $p: String) { collections(entity: "zoo-team", project: "zoo", type: $t,
      namePrefix: $p) { totalCount edges { node { name type } } } }"""

    def names(**filters: str) -> list[str]:
        return [e["node"]["name"] for e in api.query(query, **filters)["collections"]["edges"]]

    assert names() == ["test-split", "train-split", "trainer"]
    assert names(t="dataset") == ["test-split", "train-split"]
    assert names(p="train") == ["train-split", "trainer"]
    assert names(t="model", p="train") == ["trainer"]


def test_descriptions_metadata_and_tags_are_editable(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data", metadata={"rows": 1}, description="old")
    edited = api.query("""mutation { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", metadata: {rows: 2},
        tags: ["clean"]) { description metadata tags } }""")["updateArtifactVersion"]
    assert edited == {"description": "old", "metadata": {"rows": 2}, "tags": ["clean"]}
    collection = api.query("""mutation { updateArtifactCollection(ref: "zoo-team/zoo/data",
        description: "the data", metadata: {owner: "ana"}, tags: ["a", "b"]) { description metadata tags } }""")
    assert collection["updateArtifactCollection"] == {
        "description": "the data",
        "metadata": {"owner": "ana"},
        "tags": ["a", "b"],
    }
    unset = api.query('{ artifactCollection(ref: "zoo-team/zoo/data") { metadata } }')["artifactCollection"]
    assert unset == {"metadata": {"owner": "ana"}}
    cleared = api.query("""mutation { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", description: null)
        { description metadata } }""")["updateArtifactVersion"]
    assert cleared == {"description": None, "metadata": {"rows": 2}}
    error = api.error('mutation { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", metadata: 3) { id } }')
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "metadata"}


def test_deleting_a_version_with_aliases_needs_consent(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data", files={"a": b"0"})
    zoo.log(run, "data", files={"a": b"1"}, aliases=["best"])
    refused = api.error('mutation { deleteArtifactVersion(ref: "zoo-team/zoo/data:v1") { deleted } }')
    assert refused["extensions"] == {"code": "CONFLICT", "field": "deleteAliases"}
    assert "best" in refused["message"]
    deleted = api.query(
        'mutation { deleteArtifactVersion(ref: "zoo-team/zoo/data:v1", deleteAliases: true) { deleted state aliases } }'
    )["deleteArtifactVersion"]
    assert deleted == {"deleted": True, "state": "DELETED", "aliases": []}
    listing = api.query(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { latest { version } '
        "versions { totalCount edges { node { version } } } } }"
    )["artifactCollection"]
    assert listing == {"latest": {"version": 0}, "versions": {"totalCount": 1, "edges": [{"node": {"version": 0}}]}}
    assert api.query(VERSION, ref="zoo-team/zoo/data:v1")["artifact"]["deleted"] is True
    records, _, _ = driver.execute_query(
        "MATCH (:Run {run_id: 'r1'})-[:LOGGED]->(v:ArtifactVersion {state: 'deleted'}) RETURN v.version AS v"
    )
    assert [r["v"] for r in records] == [1]


def test_deleting_a_version_without_user_aliases_moves_latest_back(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data", files={"a": b"0"})
    zoo.log(run, "data", files={"a": b"1"})
    api.query('mutation { deleteArtifactVersion(ref: "zoo-team/zoo/data:v1") { id } }')
    assert api.query(VERSION, ref="zoo-team/zoo/data:latest")["artifact"]["version"] == 0
    relogged = zoo.log(run, "data", files={"a": b"1"})
    assert (relogged["created"], relogged["artifact"]["version"]) == (False, 1)
    assert relogged["artifact"]["aliases"] == ["latest"]


def test_references_are_checked_before_anything_is_read(api: GraphQLClient) -> None:
    cases = {
        "zoo-team/zoo/data": "ref",
        "zoo-team/zoo:v1": "ref",
        "zoo-team/z oo/data:v1": "ref (project)",
        "a/b/c:d:e": "ref",
        "zoo-team/zoo/data:al ias": "ref (alias)",
    }
    for ref, field in cases.items():
        error = api.error("query($ref: String!) { artifact(ref: $ref) { id } }", ref=ref)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, ref
