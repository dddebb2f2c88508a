"""Golden translations: a GraphQL request in, the exact Cypher and parameters out.

The same requests run against Neo4j in tests/schema; these pin what the compiler writes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cypher.access import Caller
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.reads import compile_read
from schema.build import schema
from schema.selection import root_selections

CALLER = Caller("ana", roles={"zoo-team": "member"}).param()
VISIBLE_X = "($caller.superuser OR x.entity IN $caller.read)"


def compile_request(query: str, **variables: Any) -> list[Statement]:
    return [compile_read(field, CALLER) for field in root_selections(schema._schema, query, variables)]


def test_an_artifact_by_alias_with_nested_collection_and_page() -> None:
    [statement] = compile_request(
        """query($ref: String!) { artifact(ref: $ref) { ref ...Names
             collection { name versions(first: 2) { totalCount edges { cursor node { version } } } } } }
           fragment Names on ArtifactVersion { digest aliases }""",
        ref="zoo-team/zoo/model:production",
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) "
        "WHERE ($caller.superuser OR c1.entity IN $caller.read) "
        "MATCH (:Alias {collection_id: c1.id, name: $p3})-[:POINTS_TO]->(x:ArtifactVersion) "
        f"WHERE {VISIBLE_X} "
        "RETURN {__typename: 'ArtifactVersion', "
        "`ref`: x.entity + '/' + x.project + '/' + x.name + ':v' + toString(x.version), "
        "`digest`: x.digest, "
        "`aliases`: COLLECT { MATCH (a2:Alias)-[:POINTS_TO]->(x) WHERE a2.collection_id = x.collection_id "
        "RETURN a2.name ORDER BY a2.name }, "
        "`collection`: head([(x)-[:VERSION_OF]->(x3:ArtifactCollection) "
        "WHERE ($caller.superuser OR x3.entity IN $caller.read) | {__typename: 'ArtifactCollection', "
        "`name`: x3.name, "
        "`page:versions`: {`total_count`: x3.live_versions, "
        "`edges`: COLLECT { MATCH (x4:ArtifactVersion) "
        "WHERE x4.collection_id = x3.id AND x4.version >= 0 AND x4.state <> 'deleted' "
        "AND ($caller.superuser OR x4.entity IN $caller.read) "
        "WITH x3, x4 ORDER BY x4.collection_id DESC, x4.version DESC LIMIT $p4 "
        "RETURN {cursor: [x4.version], node: {__typename: 'ArtifactVersion', `version`: x4.version}} }}}])"
        "} AS result"
    )
    assert statement.params == {
        "caller": CALLER,
        "p0": "zoo-team",
        "p1": "zoo",
        "p2": "model",
        "p3": "production",
        "p4": 3,
    }


def test_a_registry_version_by_number() -> None:
    [statement] = compile_request('{ artifact(ref: "zoo-team/registry-model/classifier:v3") { id } }')
    assert statement.text == (
        "MATCH (c1:RegistryCollection {entity: $p0, registry: $p1, name: $p2}) "
        "WHERE ($caller.superuser OR c1.entity IN $caller.read) AND NOT c1.registry_id IN $caller.hidden_registries "
        "MATCH (c1)-[:LINKS {version: $p3}]->(x:ArtifactVersion) "
        f"WHERE {VISIBLE_X} "
        "RETURN {__typename: 'ArtifactVersion', `id`: x.id} AS result"
    )
    assert statement.params == {"caller": CALLER, "p0": "zoo-team", "p1": "model", "p2": "classifier", "p3": 3}


def test_filters_and_a_keyset_cursor_become_parameters() -> None:
    [statement] = compile_request(
        """{ runs(entity: "zoo-team", project: "zoo", state: FINISHED, jobType: "train", first: 5,
             after: "WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsInpvby10ZWFtL3pvby9yMSJd") {
             edges { node { name } } pageInfo { hasNextPage } } }"""
    )
    assert statement.text == (
        "RETURN {`edges`: COLLECT { MATCH (x1:Run) "
        "WHERE ($caller.superuser OR x1.entity IN $caller.read) "
        "AND x1.entity = $p0 AND x1.project = $p1 AND x1.state = $p2 AND x1.job_type = $p3 "
        "AND ((x1.created_at < datetime($p4)) OR (x1.created_at = datetime($p4) AND x1.id < $p5)) "
        "WITH x1 ORDER BY x1.created_at DESC, x1.id DESC LIMIT $p6 "
        "RETURN {cursor: [toString(x1.created_at), x1.id], node: {__typename: 'Run', `name`: x1.name}} }} AS result"
    )
    assert statement.params == {
        "caller": CALLER,
        "p0": "zoo-team",
        "p1": "zoo",
        "p2": "finished",
        "p3": "train",
        "p4": "2026-01-01T00:00:00Z",
        "p5": "zoo-team/zoo/r1",
        "p6": 6,
    }


def test_aliased_connections_keep_their_own_arguments() -> None:
    [statement] = compile_request(
        '{ artifactCollection(ref: "e/p/n") { newest: versions(first: 1) { totalCount edges { cursor } } '
        "all: versions(first: 50) { edges { cursor } } } }"
    )
    assert "`page:newest`: {`total_count`: x.live_versions, `edges`: COLLECT" in statement.text
    assert "`page:all`: {`edges`: COLLECT" in statement.text
    limits = re.findall(r"LIMIT (\$p\d+)", statement.text)
    assert [statement.params[name[1:]] for name in limits] == [2, 51]


def test_injection_attempts_stay_parameters() -> None:
    hostile = "x'}) DETACH DELETE n //"
    [statement] = compile_request(
        'query($p: String!) { collections(entity: "e", project: "p", namePrefix: $p) { totalCount } }', p=hostile
    )
    assert hostile not in statement.text
    assert statement.params["p2"] == hostile


def test_no_user_text_is_ever_in_the_statement() -> None:
    [statement] = compile_request(
        '{ project(entity: "ent-x", name: "proj-y") { name runs(jobType: "job-z") { totalCount } } }'
    )
    for value in ("ent-x", "proj-y", "job-z"):
        assert value not in statement.text
        assert value in statement.params.values()


def test_over_cap_page_sizes_are_refused_not_clipped() -> None:
    with pytest.raises(InvalidInput, match="between 0 and 200"):
        compile_request("{ entities(first: 500) { edges { cursor } } }")
