"""The Strawberry schema: queries, mutations, error formatting; values are maps read by field name."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.accounts import AccountMutation, AccountQuery
from schema.errors import StemmaErrors
from schema.mutations import Mutation
from schema.queries import Query
from schema.scalars import SCALARS


def read_field(root: Any, name: str) -> Any:
    """Compiled answers are maps keyed by field name; the few Python-built objects use attributes."""
    return root[name] if type(root) is dict else getattr(root, name)


class StemmaSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Client errors are answers, not incidents: only unexpected ones are logged (by StemmaErrors)."""


QUERY = merge_types("Query", (Query, AccountQuery))
MUTATION = merge_types("Mutation", (Mutation, AccountMutation))


def build_schema(max_depth: int = 15, max_tokens: int = 5000, max_aliases: int = 30) -> StemmaSchema:
    """The schema with request limits: each refusal names its limit and value."""
    return StemmaSchema(
        query=QUERY,
        mutation=MUTATION,
        config=StrawberryConfig(default_resolver=read_field, scalar_map=SCALARS),
        extensions=[
            StemmaErrors,
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        ],
    )


schema = build_schema()
