"""The keys a request is kept by: its variables' the same for the same JSON, whatever the order of its keys;
variables and callers too long to keep are not kept."""

from __future__ import annotations

from cypher.printer import Limits
from schema.asked import KEPT_CALLER_BYTES, KEPT_VARIABLE_BYTES, caller_key, exact, variables_key


def test_variables_are_the_same_request_exactly_when_they_are_the_same_json() -> None:
    assert exact({"ref": "a/b/c:v0", "depth": 2}) == exact({"depth": 2, "ref": "a/b/c:v0"})
    assert exact({"nested": {"x": 1, "y": [1, 2]}}) == exact({"nested": {"y": [1, 2], "x": 1}})
    different = [{"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": [1]}, {"n": None}, {}, None, {"m": 1}]
    assert len({exact(value) for value in different}) == len(different)
    assert exact({"n": [1, 2]}) != exact({"n": [2, 1]})


def test_variables_that_are_not_plain_json_are_not_kept() -> None:
    assert exact({"n": 2**64}) is None
    assert exact({"ref": "\ud800"}) is None


def test_long_variables_and_callers_are_not_kept() -> None:
    fits = {"ref": "x" * (KEPT_VARIABLE_BYTES - len('{"ref":""}'))}
    assert variables_key(fits) == exact(fits)
    assert variables_key({"ref": fits["ref"] + "x"}) is None
    entities = [f"entity-{n}" for n in range(KEPT_CALLER_BYTES // 8)]
    assert caller_key({"user": "u", "read": entities}, Limits()) is None
    assert caller_key({"user": "u", "read": entities[:10]}, Limits()) == (
        exact({"user": "u", "read": entities[:10]}),
        Limits(),
    )
