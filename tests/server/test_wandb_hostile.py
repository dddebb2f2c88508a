"""Hostile input to the W&B layer: requests generated from its own schema, with literal arguments, sent as the
superuser over a small zoo the wandb client's layer wrote. None may fail inside (a 500, INTERNAL_SERVER_ERROR)
or show internals; tests/server/test_wandb_client.py names the refusals one by one."""

from __future__ import annotations

import pytest
from graphql import IntValueNode, StringValueNode
from hypothesis import strategies as st

from schema.context import DocumentLimits
from server.wandb_compat.schema import build_schema
from tests.client import GraphQLClient
from tests.schema.test_hostile_input import fuzz

SDL = build_schema(DocumentLimits(max_depth=15, max_tokens=5000, max_aliases=30)).as_str()
SCALARS = {
    "JSONString": st.sampled_from(['{"a": 1}', "[1]", "NaN", '{"a": {"value": 2}}', "", "{"]).map(
        lambda text: StringValueNode(value=text)
    ),
    "Int64": st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda n: IntValueNode(value=str(n))),
}
UPSERT = 'mutation { upsertBucket(input: {name: "r1", modelName: "zoo", entityName: "zoo-team"}) { inserted } }'


@pytest.mark.parametrize("operation", ["queries", "mutations"])
def test_requests_generated_from_the_w_and_b_schema_never_fail_inside(api: GraphQLClient, operation: str) -> None:
    assert "errors" not in api.http.post("/wandb/graphql", json={"query": UPSERT}).json()
    fuzz(api, "/wandb/graphql", SDL, SCALARS, operation)
