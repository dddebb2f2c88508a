"""One root field = one Cypher statement, however deep the selection and however many rows."""

from __future__ import annotations

from tests.builders import Builder
from tests.client import GraphQLClient

NESTED = """{
  project(entity: "zoo-team", name: "zoo") {
    runs(first: 50) { totalCount edges { node { name
      inputs { edges { node { ref collection { name } createdBy { name } } } }
      outputs { edges { node { ref aliases loggedBy { totalCount edges { node { name } } } } } } } } }
    collections { edges { node { name versions { edges { node { version usedBy { totalCount } } } } } } }
  }
}"""


def build(api: GraphQLClient, runs: int) -> None:
    zoo = Builder(api)
    data = zoo.run("prep")
    zoo.log(data, "data")
    for number in range(runs):
        run = zoo.run(f"train-{number}")
        zoo.use(run, "data:latest")
        zoo.log(run, f"model-{number}", "model")


def test_a_nested_query_is_one_statement_whatever_the_number_of_rows(api: GraphQLClient) -> None:
    build(api, 1)
    small, small_count = api.statements_read_by(NESTED)
    build(api, 10)
    large, large_count = api.statements_read_by(NESTED)
    assert len(small["project"]["runs"]["edges"]) == 2
    assert len(large["project"]["runs"]["edges"]) == 11
    assert (small_count, large_count) == (1, 1)


def test_sibling_root_fields_are_one_statement_each(api: GraphQLClient) -> None:
    build(api, 3)
    _, count = api.statements_read_by("""{
      a: artifact(ref: "zoo-team/zoo/data:latest") { ref usedBy { totalCount } }
      b: artifact(ref: "zoo-team/zoo/model-1:v0") { ref }
      runs(entity: "zoo-team", project: "zoo") { totalCount }
    }""")
    assert count == 3


def test_mutations_send_a_fixed_number_of_statements(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    digest = api.put_file(b"x")
    log = """mutation($i: LogArtifactInput!) { logArtifact(input: $i) { created artifact { ref
      collection { versions { edges { node { ref loggedBy { edges { node { name } } } } } } } } } }"""
    counts = []
    for number in range(3):
        _, count = api.statements_sent_by(
            log,
            i={
                "runId": run,
                "name": f"d{number % 2}",
                "type": "dataset",
                "files": [{"path": "a", "digest": digest, "size": 1}],
            },
        )
        counts.append(count)
    # a superuser may use any stored content: no possession read; a new LOGGED edge keeps its onward marks
    assert counts == [5, 5, 3]
