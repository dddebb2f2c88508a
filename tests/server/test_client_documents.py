"""Every GraphQL document the CLI (`stemma lineage`, and `lineageText` on the server) and the demo (`stemma demo`)
send is valid against the server's schema, like the SDK's (tests/sdk/test_contract.py) and the web page's
(tests/web/test_queries.py)."""

from __future__ import annotations

from types import ModuleType

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from schema import lineage_formats
from schema.build import schema
from server import demo

OPERATION_STARTS = ("query", "mutation", "subscription", "fragment", "{")


def documents(module: ModuleType) -> dict[str, str]:
    """The module's GraphQL documents: its upper-case string constants written as operations."""
    return {
        f"{module.__name__}.{name}": value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and value.lstrip().startswith(OPERATION_STARTS)
    }


SENT = {**documents(lineage_formats), **documents(demo)}


@pytest.fixture(scope="module")
def server_schema() -> GraphQLSchema:
    return build_schema(schema.as_str())


def test_the_cli_and_the_demo_send_these_documents() -> None:
    assert sorted(SENT) == [
        "schema.lineage_formats.OPENLINEAGE_QUERY",
        "schema.lineage_formats.QUERY",
        "server.demo.CREATE_REGISTRY",
        "server.demo.CREATE_RUN",
        "server.demo.FINISH",
        "server.demo.LINK",
        "server.demo.LOG",
        "server.demo.USE",
    ]


@pytest.mark.parametrize("name", sorted(SENT))
def test_the_document_is_valid_against_the_server_schema(server_schema: GraphQLSchema, name: str) -> None:
    assert [error.message for error in validate(server_schema, parse(SENT[name]))] == []
