"""Every GraphQL document the SDK sends is valid against the server's schema, so the two cannot drift apart."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from stemma.queries import DOCUMENTS

from schema.build import schema


@pytest.fixture(scope="module")
def server_schema() -> GraphQLSchema:
    return build_schema(schema.as_str())


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_sdk_document_is_valid_against_the_server_schema(server_schema: GraphQLSchema, name: str) -> None:
    assert [error.message for error in validate(server_schema, parse(DOCUMENTS[name]))] == []
