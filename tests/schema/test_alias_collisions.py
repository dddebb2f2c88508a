"""A connection aliased to another field's name (or to `__typename`) is answered like any other alias.

Connections sit in the compiled map under their response key and other fields under their Python name, so
an alias such as `name: versions(...)` once landed on the same key as `name`: one overwrote the other and
the answer was an internal error (or a type error quoting the map)."""

from __future__ import annotations

from tests.builders import Builder
from tests.client import GraphQLClient


def test_a_connection_aliased_to_a_field_name_does_not_collide(api: GraphQLClient) -> None:
    team = Builder(api, "acme", "vision")
    run = team.run("r1")
    team.log(run, "faces", "dataset", files={"f": b"faces"})
    answer = api.query(
        '{ artifactCollection(ref: "acme/vision/faces") {'
        " name: versions(first: 1) { totalCount } other: name"
        " __typename: versions(first: 1) { totalCount } } }"
    )
    assert answer == {
        "artifactCollection": {"name": {"totalCount": 1}, "other": "faces", "__typename": {"totalCount": 1}}
    }
    assert api.query('{ run(id: "acme/vision/r1") { config: outputs(first: 1) { totalCount } c: config } }') == {
        "run": {"config": {"totalCount": 1}, "c": {}}
    }
