from __future__ import annotations

from neo4j import Driver

from cypher.ids import global_id
from tests.builders import CREATE_RUN, Builder
from tests.client import GraphQLClient
from tests.conftest import ADMIN, BOOKKEEPING

RUN_FIELDS = "{ id runId entity project name state jobType config tags user finishedAt }"


def test_starting_a_run_creates_its_entity_and_project_once(api: GraphQLClient, driver: Driver) -> None:
    run = api.query(
        f"mutation($input: CreateRunInput!) {{ createRun(input: $input) {RUN_FIELDS} }}",
        input={
            "entity": "zoo-team",
            "project": "zoo",
            "runId": "abc123",
            "name": "rural-feather-20",
            "jobType": "train",
            "config": {"lr": 0.01, "layers": [64, 32]},
            "tags": ["baseline"],
        },
    )["createRun"]
    assert run == {
        "id": global_id("Run", "zoo-team/zoo/abc123"),
        "runId": "abc123",
        "entity": "zoo-team",
        "project": "zoo",
        "name": "rural-feather-20",
        "state": "RUNNING",
        "jobType": "train",
        "config": {"lr": 0.01, "layers": [64, 32]},
        "tags": ["baseline"],
        "user": ADMIN,
        "finishedAt": None,
    }
    Builder(api).run("abc123", "rural-feather-20")
    records, _, _ = driver.execute_query(
        "MATCH (r:Run)-[:IN]->(p:Project)-[:IN]->(e:Entity) RETURN r.id AS run, p.name AS project, e.name AS entity"
    )
    assert [dict(r) for r in records] == [{"run": "zoo-team/zoo/abc123", "project": "zoo", "entity": "zoo-team"}]


def test_repeating_create_run_changes_nothing(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    zoo.run("r1", "first-name")
    zoo.run("r1", "second-name")
    records, _, _ = driver.execute_query("MATCH (r:Run) RETURN r.name AS name")
    assert [r["name"] for r in records] == ["first-name"]


def test_a_run_ends_as_finished_failed_or_crashed(api: GraphQLClient) -> None:
    zoo = Builder(api)
    for state in ("FINISHED", "FAILED", "CRASHED"):
        run = zoo.run(f"run-{state.lower()}")
        ended = api.query(
            "mutation($id: ID!, $s: RunState!) { finishRun(id: $id, state: $s) { state finishedAt } }", id=run, s=state
        )["finishRun"]
        assert ended["state"] == state
        assert ended["finishedAt"] is not None


def test_finishing_twice_the_same_way_is_idempotent_but_a_different_end_is_a_conflict(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.finish(run, "FINISHED")
    zoo.finish(run, "FINISHED")
    error = api.error("mutation($id: ID!) { finishRun(id: $id, state: FAILED) { state } }", id=run)
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "state"
    assert "already ended as finished" in error["message"]


def test_a_crashed_run_may_still_report_its_real_end(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.finish(run, "CRASHED")
    zoo.finish(run, "FINISHED")
    assert api.query("query($id: ID!) { run(id: $id) { state } }", id=run)["run"]["state"] == "FINISHED"


def test_running_is_not_an_end_state(api: GraphQLClient) -> None:
    run = Builder(api).run("r1")
    error = api.error("mutation($id: ID!) { finishRun(id: $id, state: RUNNING) { state } }", id=run)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "state"}


def test_heartbeat_answers_whether_the_run_is_still_running(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    assert api.query("mutation($id: ID!) { heartbeat(id: $id) }", id=run)["heartbeat"] is True
    zoo.finish(run)
    assert api.query("mutation($id: ID!) { heartbeat(id: $id) }", id=run)["heartbeat"] is False


def test_bad_names_are_refused_naming_the_field_and_nothing_is_written(api: GraphQLClient, driver: Driver) -> None:
    cases = [
        ({"entity": "zoo team", "project": "zoo"}, "input.entity"),
        ({"entity": "zoo", "project": "z" * 129}, "input.project"),
        ({"entity": "zoo", "project": "registry-model"}, "input.project"),
        ({"entity": "zoo", "project": "zoo", "runId": "a/b"}, "input.runId"),
        ({"entity": "zoo", "project": "zoo", "config": [1, 2]}, "input.config"),
        ({"entity": "zoo", "project": "zoo", "tags": ["ok", "not ok"]}, "input.tags[1]"),
        ({"entity": "", "project": "zoo"}, "input.entity"),
    ]
    for run_input, field in cases:
        error = api.error(CREATE_RUN, input=run_input)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", run_input
        assert error["extensions"]["field"] == field
        assert field.split(".")[-1].split("[")[0] in error["message"]
    records, _, _ = driver.execute_query(
        f"MATCH (n) WHERE NOT n:{BOOKKEEPING} AND NOT n:User AND NOT n:ApiKey RETURN count(n) AS n"
    )
    assert records[0]["n"] == 0


def test_runs_of_a_project_filter_by_state_and_job_type_newest_first(api: GraphQLClient) -> None:
    zoo = Builder(api)
    for number in range(5):
        run = zoo.run(f"r{number}", job_type="train" if number % 2 == 0 else "evaluate")
        if number < 2:
            zoo.finish(run)
    query = """query($s: RunState, $j: String) {
      project(entity: "zoo-team", name: "zoo") {
        runs(state: $s, jobType: $j) { totalCount edges { node { runId } } }
      }
    }"""

    def run_ids(**filters: str) -> list[str]:
        runs = api.query(query, **filters)["project"]["runs"]
        assert runs["totalCount"] == len(runs["edges"])
        return [edge["node"]["runId"] for edge in runs["edges"]]

    assert run_ids() == ["r4", "r3", "r2", "r1", "r0"]
    assert run_ids(s="RUNNING") == ["r4", "r3", "r2"]
    assert run_ids(j="train") == ["r4", "r2", "r0"]
    assert run_ids(s="FINISHED", j="evaluate") == ["r1"]


def test_a_run_lists_what_it_used_and_logged(api: GraphQLClient) -> None:
    zoo = Builder(api)
    prep = zoo.run("prep")
    zoo.log(prep, "data")
    train = zoo.run("train")
    zoo.use(train, "data:latest")
    zoo.log(train, "model", "model")
    run = api.query("""{ run(id: "zoo-team/zoo/train") {
        inputs { totalCount edges { alias node { ref } } }
        outputs { totalCount edges { created node { ref } } } } }""")["run"]
    assert run["inputs"] == {"totalCount": 1, "edges": [{"alias": "latest", "node": {"ref": "zoo-team/zoo/data:v0"}}]}
    assert run["outputs"] == {
        "totalCount": 1,
        "edges": [{"created": True, "node": {"ref": "zoo-team/zoo/model:v0"}}],
    }


def test_an_unknown_run_is_not_found(api: GraphQLClient) -> None:
    error = api.error('{ run(id: "zoo-team/zoo/nope") { id } }')
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert "zoo-team/zoo/nope" in error["message"]
