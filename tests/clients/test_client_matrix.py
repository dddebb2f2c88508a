"""Real GraphQL clients against the real server: Python's gql (aiohttp and httpx transports), @urql/core,
graphql-request and Apollo Client with automatic persisted queries walk the same cursor pages through a
fragment and variables, and read a refusal's code."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

from tests.builders import build_zoo
from tests.client import GraphQLClient
from tests.clients.conftest import run_node

COLLECTION = "zoo-team/zoo/split_zoo_dataset"
PAGE = """
fragment VersionFields on ArtifactVersion { ref version aliases }
query Versions($ref: String!, $after: String) {
  artifactCollection(ref: $ref) {
    versions(first: 2, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...VersionFields } }
    }
  }
}
"""
MISSING = "query Missing($ref: String!) { artifact(ref: $ref) { ref } }"


@pytest.fixture
def expected(api: GraphQLClient) -> dict[str, Any]:
    """The zoo's dataset versions, newest first, as one plain request lists them."""
    build_zoo(api)
    versions = api.query(
        "query($ref: String!) { artifactCollection(ref: $ref) "
        "{ versions(first: 100) { totalCount edges { node { ref } } } } }",
        ref=COLLECTION,
    )["artifactCollection"]["versions"]
    assert versions["totalCount"] == 5
    return {"totalCount": 5, "refs": [edge["node"]["ref"] for edge in versions["edges"]]}


async def _gql_walk(transport: Any) -> dict[str, Any]:
    async with Client(transport=transport) as session:
        refs: list[str] = []
        after = None
        while True:
            page = (await session.execute(GraphQLRequest(PAGE, variable_values={"ref": COLLECTION, "after": after})))[
                "artifactCollection"
            ]["versions"]
            refs += [edge["node"]["ref"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(GraphQLRequest(MISSING, variable_values={"ref": f"{COLLECTION}:v999"}))
        assert refused.value.errors is not None
        return {
            "walk": {"totalCount": page["totalCount"], "refs": refs},
            "refused": refused.value.errors[0]["extensions"]["code"],
        }


@pytest.mark.parametrize("transport", [AIOHTTPTransport, HTTPXAsyncTransport])
def test_python_gql_walks_pages_and_reads_refusals(server: str, expected: dict[str, Any], transport: Any) -> None:
    headers = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"}
    answer = asyncio.run(_gql_walk(transport(url=f"{server}/graphql", headers=headers)))
    assert answer == {"walk": expected, "refused": "NOT_FOUND"}


def test_javascript_clients_walk_pages_read_refusals_and_persist_queries(server: str, expected: dict[str, Any]) -> None:
    answers = run_node("matrix.mjs", server, STEMMA_COLLECTION=COLLECTION)
    for client, answer in answers.items():
        assert answer["walk"] == expected, client
        assert answer["refused"] == "NOT_FOUND", client
    # Apollo sends a hash first; the server asks for the document once per document, then knows the hash.
    pages = ["POST hash", "POST document", "POST hash", "POST hash"]
    assert answers["apollo (APQ, POST)"]["sent"] == ["POST hash", "POST document", *pages]
    assert answers["apollo (APQ, GET)"]["sent"] == ["GET hash"] * 4
