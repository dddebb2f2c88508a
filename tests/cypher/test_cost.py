"""The cost estimate: what a selection may build, before it runs."""

from __future__ import annotations

import pytest

from cypher.cost import check_cost, estimated_cost
from cypher.errors import InvalidInput
from cypher.selection import Field


def connection(name: str, first: int, *inner: Field) -> Field:
    node = Field("node", selections={"T": (Field("id"), *inner)})
    return Field(name, args={"first": first}, selections={"C": (Field("edges", selections={"E": (node,)}),)})


def test_nested_lists_multiply_and_scalars_are_free() -> None:
    assert estimated_cost(Field("id")) == 0
    assert estimated_cost(connection("runs", 20)) == 20 * (1 + 2)
    assert estimated_cost(connection("versions", 20, connection("usedBy", 20))) == 20 * (1 + 1 + 1 + 20 * 3)


def test_four_nested_pages_of_200_are_refused_naming_the_cost_and_the_limit() -> None:
    deep = connection("a", 200, connection("b", 200, connection("c", 200, connection("d", 200))))
    with pytest.raises(InvalidInput) as refused:
        check_cost(deep, 200_000)
    cost = estimated_cost(deep)
    assert cost > 200**4
    assert refused.value.extensions == {"code": "BAD_USER_INPUT", "field": "a", "cost": cost, "limit": 200_000}
    assert refused.value.message.startswith(
        f"a: the request may build about {cost:,} objects, over the limit of 200,000"
    )
    assert check_cost(connection("a", 200, connection("b", 200)), 200_000) == 200 * (3 + 200 * 3)


def test_a_list_without_a_size_counts_as_many_items_but_a_connections_edges_do_not() -> None:
    def listed(name: str, *inner: Field) -> Field:
        return Field(name, selections={"T": (Field("name"), *inner)}, many=True)

    def one(name: str, *inner: Field) -> Field:
        return Field(name, selections={"T": (Field("id"), *inner)})

    nested = listed("aliases", one("artifact", one("collection", listed("aliases", one("artifact")))))
    assert estimated_cost(nested) == 100 * (1 + 1 + 1 + 100 * (1 + 1))
    edges = Field("edges", selections={"E": (one("node"),)}, many=True)
    page = Field("versions", args={"first": 20}, selections={"C": (edges,)})
    assert estimated_cost(page) == 20 * (1 + 1 + 1)
    assert estimated_cost(listed("files")) == 1000
