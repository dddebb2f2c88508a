"""Every GraphQL document the web page sends is valid against the server's schema, so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from schema.build import schema

QUERIES = Path(__file__).resolve().parents[2] / "web" / "src" / "queries.ts"
DOCUMENT = re.compile(r"\(/\* GraphQL \*/ `([^`]*)`\)")
FRAGMENTS = re.compile(r"const (\w+) = /\* GraphQL \*/ `([^`]*)`;")
INTERPOLATION = re.compile(r"\$\{(\w+)\}")
NAME = re.compile(r"^\s*query (\w+)")


def documents() -> dict[str, str]:
    """The page's documents by operation name, as sent: shared fragment constants put in."""
    source = QUERIES.read_text()
    fragments = dict(FRAGMENTS.findall(source))
    found: dict[str, str] = {}
    for text in DOCUMENT.findall(source):
        name = NAME.match(text)
        assert name, text
        found[name.group(1)] = INTERPOLATION.sub(lambda match: fragments[match.group(1)], text)
    return found


@pytest.fixture(scope="module")
def server_schema() -> GraphQLSchema:
    return build_schema(schema.as_str())


def test_the_page_sends_one_named_document_per_query() -> None:
    assert sorted(documents()) == [
        "ArtifactCollection",
        "ArtifactDetails",
        "ClusterPage",
        "Home",
        "Lineage",
        "RegistryCollection",
        "RunDetails",
    ]
    assert QUERIES.read_text().count("query<") == 7
    assert "${" not in "".join(documents().values())


@pytest.mark.parametrize("name", sorted(documents()))
def test_the_web_document_is_valid_against_the_server_schema(server_schema: GraphQLSchema, name: str) -> None:
    assert [error.message for error in validate(server_schema, parse(documents()[name]))] == []
