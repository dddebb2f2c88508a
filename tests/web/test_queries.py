"""Every GraphQL document the web page (and its GraphiQL example) sends is valid against the server's schema, and
the page's answer types generated from the committed schema are current, so the two cannot drift apart."""

from __future__ import annotations

import json
import subprocess

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_schema, parse, validate

from schema.build import schema
from tests.serving import ROOT

WEB = ROOT / "web"


@pytest.fixture(scope="module")
def web_packages() -> None:
    if not (WEB / "node_modules" / "vite").is_dir():
        pytest.fail("the web page's packages are not installed: run `make web` (or `cd web && npm ci`)")


@pytest.fixture(scope="module")
def documents(web_packages: None) -> dict[str, str]:
    """The documents `web/src/queries.ts` and `web/src/graphiql/example.ts` export, by export name, as the page sends
    them (read by the module)."""
    printed = subprocess.run(
        ["node", "documents.mjs"], cwd=WEB, capture_output=True, text=True, check=False, timeout=120
    )
    assert printed.returncode == 0, printed.stderr
    found: dict[str, str] = json.loads(printed.stdout)
    return found


@pytest.fixture(scope="module")
def server_schema() -> GraphQLSchema:
    return build_schema(schema.as_str())


def test_the_page_sends_one_named_query_per_document(documents: dict[str, str]) -> None:
    operations = {
        export: [
            (definition.operation.value, definition.name and definition.name.value)
            for definition in parse(text).definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        for export, text in documents.items()
    }
    assert operations == {
        "ARTIFACT_COLLECTION": [("query", "ArtifactCollection")],
        "ARTIFACT_DETAILS": [("query", "ArtifactDetails")],
        "CLUSTER_PAGE": [("query", "ClusterPage")],
        "HOME": [("query", "Home")],
        "LIMITS": [("query", "Limits")],
        "LINEAGE": [("query", "Lineage")],
        "REGISTRY_COLLECTION": [("query", "RegistryCollection")],
        "RUN_DETAILS": [("query", "RunDetails")],
        "SEARCH": [("query", "Search")],
        "ZOO_LINEAGE": [("query", "ZooLineage")],
    }


def test_every_web_document_is_valid_against_the_server_schema(
    documents: dict[str, str], server_schema: GraphQLSchema
) -> None:
    problems = {
        name: [error.message for error in validate(server_schema, parse(text))] for name, text in documents.items()
    }
    assert problems == {name: [] for name in documents}


def test_the_pages_generated_answer_types_are_current(web_packages: None) -> None:
    """graphql-codegen regenerates web/src/generated/graphql.ts in memory from schema/schema.graphql and the
    documents, and fails when it differs from the committed file (or a document does not validate)."""
    checked = subprocess.run(
        ["npm", "run", "--silent", "codegen-check"], cwd=WEB, capture_output=True, text=True, check=False, timeout=300
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
