"""logRun: what a run logged besides artifacts (W&B's run.log, run.config, run.summary), kept on the run.

Config and summary keys merge over the run's own; history rows are kept in chunks, one node per call, and
a call sent again is kept once; bad input is refused naming its path, and nothing of it is kept."""

from __future__ import annotations

from typing import Any

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient
from tests.schema.test_roles import ADD_MEMBER, client_for

LOG = """mutation($input: LogRunInput!) { logRun(input: $input) { ref config summary history } }"""
READ = """query($id: ID!) { run(id: $id) { config summary history } }"""


def rows(first: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"_step": step, "loss": 1 / (step + 1), **extra} for step in range(first, first + count)]


def test_config_and_summary_merge_and_history_keeps_every_row_in_order(api: GraphQLClient, driver: Driver) -> None:
    run = Builder(api).run("train", config={"lr": 0.1, "layers": 2})
    api.query(LOG, input={"id": run, "config": {"lr": 0.05}, "history": rows(0, 3)})
    answer = api.query(
        LOG, input={"id": run, "summary": {"best": 0.2}, "history": rows(3, 2, acc=0.9), "config": {"seed": 7}}
    )["logRun"]
    assert answer["config"] == {"lr": 0.05, "layers": 2, "seed": 7}
    assert answer["summary"] == {"best": 0.2}
    assert answer["history"] == rows(0, 3) + rows(3, 2, acc=0.9)
    assert api.query(READ, id=run)["run"] == {k: answer[k] for k in ("config", "summary", "history")}
    chunks = driver.execute_query("MATCH (h:RunHistory {run: $run}) RETURN count(h) AS n", run=answer["ref"]).records
    assert chunks[0]["n"] == 2


def test_a_call_sent_again_is_kept_once_and_a_step_backwards_is_refused(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    batch = {"id": run, "history": rows(0, 5)}
    api.query(LOG, input=batch)
    assert api.query(LOG, input=batch)["logRun"]["history"] == rows(0, 5)
    error = api.error(LOG, input={"id": run, "history": rows(4, 2)})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("CONFLICT", "input.history")
    assert "steps up to 4" in error["message"]
    changed = api.error(LOG, input={"id": run, "history": [{**row, "loss": 0} for row in rows(0, 5)]})
    assert changed["extensions"]["code"] == "CONFLICT"
    assert api.query(READ, id=run)["run"]["history"] == rows(0, 5)


def test_bad_input_names_its_path_and_keeps_nothing(api: GraphQLClient) -> None:
    run = Builder(api).run("train", config={"lr": 0.1})
    cases = [
        ({"history": [{"loss": 1}]}, "input.history[0]", "_step must be a whole number"),
        ({"history": [{"_step": 2}, {"_step": 2}]}, "input.history[1]", "not after the row before it"),
        ({"history": [{"_step": -1}]}, "input.history[0]", "at least 0"),
        ({"history": [[1, 2]]}, "input.history[0]", "must be a JSON object"),
        ({"config": [1]}, "input.config", "must be a JSON object"),
        ({"summary": "best"}, "input.summary", "must be a JSON object"),
        ({"summary": {"big": "x" * 70_000}}, "input.summary", "bytes as JSON"),
        ({"id": "zoo-team/zoo"}, "input.id", ""),
        ({"id": "nobody/none/r1"}, "input.id", "no run has id"),
    ]
    for change, field, words in cases:
        error = api.error(LOG, input={"id": run, "config": {"lr": 9}, **change})
        assert error["extensions"]["field"] == field, (change, error)
        assert words in error["message"], (change, error)
    assert api.query(READ, id=run)["run"] == {"config": {"lr": 0.1}, "summary": {}, "history": []}


def test_writing_needs_a_member_of_the_run_s_entity(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    api.query(ADD_MEMBER, e="zoo-team", u="lena", r="VIEWER")
    api.query(ADD_MEMBER, e="other-team", u="otto", r="MEMBER")
    viewer, outsider = client_for(api, "lena"), client_for(api, "otto")
    try:
        refused = viewer.error(LOG, input={"id": run, "summary": {"x": 1}})
        assert (refused["extensions"]["code"], refused["extensions"]["field"]) == ("FORBIDDEN", "input.id")
        hidden = outsider.error(LOG, input={"id": run, "summary": {"x": 1}})
        assert hidden["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
        assert viewer.query(READ, id=run)["run"]["summary"] == {}
    finally:
        viewer.http.close()
        outsider.http.close()
