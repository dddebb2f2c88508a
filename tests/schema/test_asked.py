"""The key a request's variables are kept by: the same for the same JSON, whatever the order of its keys."""

from __future__ import annotations

from schema.asked import exact


def test_variables_are_the_same_request_exactly_when_they_are_the_same_json() -> None:
    assert exact({"ref": "a/b/c:v0", "depth": 2}) == exact({"depth": 2, "ref": "a/b/c:v0"})
    assert exact({"nested": {"x": 1, "y": [1, 2]}}) == exact({"nested": {"y": [1, 2], "x": 1}})
    different = [{"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": [1]}, {"n": None}, {}, None, {"m": 1}]
    assert len({exact(value) for value in different}) == len(different)
    assert exact({"n": [1, 2]}) != exact({"n": [2, 1]})


def test_variables_that_are_not_plain_json_are_not_kept() -> None:
    assert exact({"n": 2**64}) is None
    assert exact({"ref": "\ud800"}) is None
