from __future__ import annotations

from schema.export import SCHEMA_FILE, render


def test_the_exported_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == render(), "schema/schema.graphql is stale: run `python -m schema.export`"
