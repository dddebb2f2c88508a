"""GraphQL: Strawberry types, queries, mutations and error formatting; no Cypher text."""
