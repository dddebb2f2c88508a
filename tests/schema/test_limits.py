"""The `limits` root field: clients read the bounds the server was started with, and they are the ones it enforces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client import GraphQLClient
from tests.conftest import free_port
from tests.serving import ServerProcess

SETTINGS = {
    "STEMMA_LINEAGE_MAX_DEPTH": "4",
    "STEMMA_LINEAGE_MAX_NODES": "300",
    "STEMMA_LINEAGE_MAX_CLUSTER_THRESHOLD": "50",
    "STEMMA_MAX_PAGE_SIZE": "25",
}
LIMITS = "{ limits { lineageMaxDepth lineageMaxNodes lineageMaxClusterThreshold maxPageSize } }"


@pytest.fixture(scope="module")
def bounded(neo4j_uri: str, driver: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphQLClient]:
    """A server started with limits of its own, not the defaults."""
    process = ServerProcess(neo4j_uri, tmp_path_factory.mktemp("bounded"), free_port(), SETTINGS).start()
    try:
        with GraphQLClient(process.url) as client:
            yield client
    finally:
        process.stop()


def test_limits_answers_the_configured_values_without_asking_neo4j(bounded: GraphQLClient) -> None:
    data, statements = bounded.statements_sent_by(LIMITS)
    assert data == {
        "limits": {"lineageMaxDepth": 4, "lineageMaxNodes": 300, "lineageMaxClusterThreshold": 50, "maxPageSize": 25}
    }
    assert statements == 0


def test_a_lineage_depth_past_the_answered_limit_is_refused_naming_it(bounded: GraphQLClient) -> None:
    depth = bounded.query(LIMITS)["limits"]["lineageMaxDepth"]
    error = bounded.error('query($d: Int!) { lineage(ref: "acme/p/data:v0", depth: $d) { truncated } }', d=depth + 1)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "depth", "limit": depth}
