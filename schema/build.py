"""The Strawberry schema: queries, mutations, error formatting; values are maps read by field name."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

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


schema = StemmaSchema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(default_resolver=read_field, scalar_map=SCALARS),
    extensions=[StemmaErrors],
)
