"""Writes the GraphQL schema to `schema/schema.graphql` (`python -m schema.export`); a test keeps it current."""

from __future__ import annotations

from pathlib import Path

from schema.build import schema

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"


def render() -> str:
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render())
    print(f"wrote {SCHEMA_FILE}")
