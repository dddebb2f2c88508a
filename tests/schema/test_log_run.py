"""logRun: what a run logged besides artifacts (W&B's run.log, run.config, run.summary), kept on the run.

Config and summary keys merge over the run's own; history rows are kept in chunks, one node per call, and
a call sent again is kept once; bad input is refused naming its path, and nothing of it is kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient
from tests.schema.test_roles import ADD_MEMBER, client_for

LOG = """mutation($input: LogRunInput!) { logRun(input: $input) { ref config summary lastStep } }"""
READ = """query($id: ID!) { run(id: $id) { config summary } h: runHistory(id: $id, maxRows: 10000) { rows } }"""
PAGE = """query($id: ID!, $after: Long, $max: Int!) {
  runHistory(id: $id, afterStep: $after, maxRows: $max) { rows hasMore endStep } }"""


def kept(api: GraphQLClient, run: str) -> dict[str, Any]:
    """The run's config, summary and every history row, as a reader sees them."""
    answer = api.query(READ, id=run)
    return {**answer["run"], "history": answer["h"]["rows"]}


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
    assert answer["lastStep"] == 4
    history = rows(0, 3) + rows(3, 2, acc=0.9)
    assert kept(api, run) == {"config": answer["config"], "summary": answer["summary"], "history": history}
    chunks = driver.execute_query("MATCH (h:RunHistory {run: $run}) RETURN count(h) AS n", run=answer["ref"]).records
    assert chunks[0]["n"] == 2


def test_a_call_sent_again_is_kept_once_and_a_step_backwards_is_refused(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    batch = {"id": run, "history": rows(0, 5)}
    api.query(LOG, input=batch)
    assert api.query(LOG, input=batch)["logRun"]["lastStep"] == 4
    error = api.error(LOG, input={"id": run, "history": rows(4, 2)})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("CONFLICT", "input.history")
    assert "steps up to 4" in error["message"]
    changed = api.error(LOG, input={"id": run, "history": [{**row, "loss": 0} for row in rows(0, 5)]})
    assert changed["extensions"]["code"] == "CONFLICT"
    assert kept(api, run)["history"] == rows(0, 5)


def test_bad_input_names_its_path_and_keeps_nothing(api: GraphQLClient) -> None:
    run = Builder(api).run("train", config={"lr": 0.1})
    cases = [
        ({"history": [{"loss": 1}]}, "input.history[0]", "_step must be a whole number"),
        ({"history": [{"_step": 2}, {"_step": 2}]}, "input.history[1]", "not after the row before it"),
        ({"history": [{"_step": -1}]}, "input.history[0]", "from 0 to 9223372036854775807"),
        ({"history": [{"_step": 2**63}]}, "input.history[0]", "from 0 to"),
        ({"history": [{"_step": 1.0}]}, "input.history[0]", "whole number"),
        ({"history": [[1, 2]]}, "input.history[0]", "must be a JSON object"),
        ({"config": [1]}, "input.config", "must be a JSON object"),
        ({"summary": "best"}, "input.summary", "must be a JSON object"),
        ({"summary": {"big": "x" * 70_000}}, "input.summary", "bytes as JSON"),
        ({"id": "zoo-team/zoo"}, "input.id", ""),
        ({"id": "nobody/none/r1"}, "input.id", "no run has id"),
        ({"tags": ["ok", "not ok"]}, "input.tags[1]", "may hold only letters"),
        ({"notes": "a\0b"}, "input.notes", "without NUL"),
    ]
    for change, field, words in cases:
        error = api.error(LOG, input={"id": run, "config": {"lr": 9}, **change})
        assert error["extensions"]["field"] == field, (change, error)
        assert words in error["message"], (change, error)
    assert kept(api, run) == {"config": {"lr": 0.1}, "summary": {}, "history": []}


def test_tags_and_notes_replace_the_run_s_only_when_sent(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    read = "query($id: ID!) { run(id: $id) { tags notes } }"
    api.query(LOG, input={"id": run, "tags": ["baseline", "best", "best"], "notes": "first try"})
    assert api.query(read, id=run)["run"] == {"tags": ["baseline", "best"], "notes": "first try"}
    api.query(LOG, input={"id": run, "summary": {"loss": 0.1}})
    assert api.query(read, id=run)["run"] == {"tags": ["baseline", "best"], "notes": "first try"}
    api.query(LOG, input={"id": run, "tags": [], "notes": ""})
    assert api.query(read, id=run)["run"] == {"tags": [], "notes": ""}


def test_resuming_runs_an_ended_run_again_and_needs_a_member(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    api.query("mutation($id: ID!) { finishRun(id: $id, state: FAILED) { state } }", id=run)
    resume = "mutation($id: ID!) { resumeRun(id: $id) { state finishedAt } }"
    assert api.query(resume, id=run)["resumeRun"] == {"state": "RUNNING", "finishedAt": None}
    missing = api.error(resume, id="zoo-team/zoo/never-ran")
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    api.query(ADD_MEMBER, e="zoo-team", u="lena", r="VIEWER")
    viewer = client_for(api, "lena")
    try:
        refused = viewer.error(resume, id=run)
        assert (refused["extensions"]["code"], refused["extensions"]["field"]) == ("FORBIDDEN", "id")
    finally:
        viewer.http.close()


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
        assert kept(viewer, run)["summary"] == {}
    finally:
        viewer.http.close()
        outsider.http.close()


def test_calls_on_one_run_at_once_lose_no_key_and_cannot_both_start_at_one_step(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: api.query(LOG, input={"id": run, "config": {f"k{n}": n}}), range(8)))
        batches = [{"input": {"id": run, "history": rows(0, 3, worker=n)}} for n in range(4)]
        answers = list(pool.map(lambda batch: api.post(LOG, batch), batches))
    stored = kept(api, run)
    assert stored["config"] == {f"k{n}": n for n in range(8)}
    refused = [answer["errors"][0]["extensions"]["code"] for answer in answers if answer.get("errors")]
    assert refused == ["CONFLICT"] * 3
    assert len(stored["history"]) == 3 and len({row["worker"] for row in stored["history"]}) == 1


def test_history_reads_a_page_at_a_time_after_a_step(api: GraphQLClient) -> None:
    run = Builder(api).run("train")
    for first in range(0, 30, 10):
        api.query(LOG, input={"id": run, "history": rows(first, 10)})
    pages, after = [], None
    while True:
        page = api.query(PAGE, id=run, after=after, max=12)["runHistory"]
        pages.append([row["_step"] for row in page["rows"]])
        if not page["hasMore"]:
            break
        after = page["endStep"]
    assert pages == [list(range(12)), list(range(12, 24)), list(range(24, 30))]
    assert api.query(PAGE, id=run, after=29, max=5)["runHistory"] == {"rows": [], "hasMore": False, "endStep": 29}
    refused = api.error(PAGE, id=run, after=None, max=10_001)
    assert (refused["extensions"]["code"], refused["extensions"]["field"]) == ("BAD_USER_INPUT", "maxRows")
    missing = api.error(PAGE, id="zoo-team/zoo/absent", after=None, max=5)
    assert (missing["extensions"]["code"], missing["extensions"]["field"]) == ("NOT_FOUND", "id")
