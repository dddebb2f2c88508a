"""What compiled execution keeps of a request (`schema.asked`): by the declared variables' exact JSON, never for
values JSON cannot hold, and within a count and a byte budget."""

from __future__ import annotations

from typing import Any, cast

from cypher.executor import Statement
from cypher.printer import Limits
from cypher.selection import Field
from schema.asked import (
    ASKED_BYTES,
    FIELD_BYTES,
    KEPT_CALLER_BYTES,
    KEPT_VARIABLE_BYTES,
    Asked,
    AskedRequests,
    caller_key,
    exact,
    variables_key,
)


def test_variables_are_the_same_request_exactly_when_they_are_the_same_json() -> None:
    assert exact({"ref": "a/b/c:v0", "depth": 2}) == exact({"depth": 2, "ref": "a/b/c:v0"})
    assert exact({"nested": {"x": 1, "y": [1, 2]}}) == exact({"nested": {"y": [1, 2], "x": 1}})
    different = [{"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": [1]}, {"n": None}, {}, None, {"m": 1}]
    assert len({exact(value) for value in different}) == len(different)
    assert exact({"n": [1, 2]}) != exact({"n": [2, 1]})


def test_values_json_cannot_hold_are_not_kept() -> None:
    """orjson writes NaN and the infinities (which Python's JSON reader accepts, and 1e400 becomes) as null."""
    assert exact({"n": 2**64}) is None
    assert exact({"ref": "\ud800"}) is None
    for odd in (float("nan"), float("inf"), -float("inf")):
        assert exact({"n": odd}) is None
        assert exact({"n": [1, {"m": odd}], "o": None}) is None
    assert exact({"n": None, "m": [None, 1.5]}) == b'{"m":[null,1.5],"n":null}'


def test_only_declared_variables_key_a_request_and_long_ones_are_not_kept() -> None:
    assert variables_key({"n": 1, "junk": "x" * 10_000}, ["n"]) == variables_key({"n": 1}, ["n"]) == b'{"n":1}'
    assert variables_key(None, ["n"]) == variables_key({}, ["n"]) == b"{}"
    fits = {"ref": "x" * (KEPT_VARIABLE_BYTES - len('{"ref":""}'))}
    assert variables_key(fits, ["ref"]) == exact(fits)
    assert variables_key({"ref": fits["ref"] + "x"}, ["ref"]) is None
    entities = [f"entity-{n}" for n in range(KEPT_CALLER_BYTES // 8)]
    assert caller_key({"user": "u", "read": entities}, Limits()) is None
    assert caller_key({"user": "u", "read": entities[:3]}, Limits()) == (
        exact({"user": "u", "read": entities[:3]}),
        Limits(),
    )


def _asked(document: object, variables: bytes | None) -> Asked:
    return Asked(document, None, variables, cast(Any, None), {})


def _statements(text: str) -> dict[str, Statement]:
    return {"x": Statement(text)}


PER_CALLER = KEPT_VARIABLE_BYTES + KEPT_CALLER_BYTES


def test_kept_requests_stay_within_their_count_and_bytes() -> None:
    each_size = ASKED_BYTES + len(b'{"n":0}') + 10_000 + PER_CALLER
    budget = 3 * each_size + 1_000
    kept = AskedRequests(capacity=5, budget=budget)
    document = object()
    asked = []
    for n in range(8):
        each = _asked(document, b'{"n":%d}' % n)
        kept.keep(each, ("caller", n), {}, _statements("x" * 10_000), 1)
        asked.append(each)
        assert kept.size <= budget
    assert [n for n in range(8) if kept.get(document, None, b'{"n":%d}' % n)] == [5, 6, 7]
    assert kept.size == sum(each.size for each in asked[5:]) == 3 * each_size
    kept.forget(document)
    assert kept.size == 0 and kept.get(document, None, b'{"n":7}') is None
    many = AskedRequests(capacity=5, budget=budget * 100)
    for n in range(8):
        many.keep(_asked(document, b'{"n":%d}' % n), "caller", {}, _statements("RETURN 1"), 1)
    assert [n for n in range(8) if many.get(document, None, b'{"n":%d}' % n)] == [3, 4, 5, 6, 7]


def test_a_request_is_counted_for_each_field_it_selects() -> None:
    kept = AskedRequests()
    leaves = tuple(Field(f"f{n}") for n in range(3))
    selections = {
        "a": Field("artifact", selections={"ArtifactVersion": (*leaves, Field("run", selections={"Run": leaves}))})
    }
    asked = _asked(object(), b"{}")
    kept.keep(asked, "caller", selections, _statements("RETURN 1"), 1)
    assert asked.size == ASKED_BYTES + len(b"{}") + 8 * FIELD_BYTES + len("RETURN 1") + PER_CALLER


def test_a_request_keeps_the_statements_of_its_last_four_callers() -> None:
    kept = AskedRequests()
    asked = _asked(object(), b"{}")
    for caller in range(6):
        kept.keep(asked, caller, {}, _statements(f"RETURN {caller}"), 1)
    assert asked.compiled is not None
    assert [caller for caller in range(6) if asked.compiled.statements_for(caller)] == [2, 3, 4, 5]
    assert kept.size == asked.size == ASKED_BYTES + len(b"{}") + 4 * (len("RETURN 0") + PER_CALLER)


def test_a_request_whose_variables_are_not_kept_is_not_kept() -> None:
    kept = AskedRequests()
    document = object()
    kept.keep(_asked(document, None), "caller", {}, _statements("RETURN 1"), 1)
    assert kept.size == 0 and kept.get(document, None, None) is None
