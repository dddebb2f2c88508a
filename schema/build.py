"""The Strawberry schema: queries, mutations, error formatting; values are maps read by field name."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import ASTValidationRule
from graphql.error import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.accounts import AccountMutation, AccountQuery
from schema.content import ContentQuery
from schema.context import DocumentLimits
from schema.document import BoundedValidation
from schema.errors import StemmaErrors
from schema.ingest import IngestMutation
from schema.limits import LimitsQuery
from schema.mutations import Mutation
from schema.queries import Query
from schema.scalars import SCALARS


def read_field(root: Any, name: str) -> Any:
    """Compiled answers are maps keyed by field name; the few Python-built objects use attributes."""
    return root[name] if type(root) is dict else getattr(root, name)


class CachedParser(ParserCache):
    """Strawberry's parser cache, except that a document that fails to parse is left to Strawberry's own
    parser, which reports the syntax (or token-limit) error like any other request error."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class StemmaSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Client errors are answers, not incidents: only unexpected ones are logged (by StemmaErrors)."""


DOCUMENT_CACHE = 512


def document_rules(limits: DocumentLimits) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules for the document limits, beyond GraphQL's own (built once: validation results
    are cached per set of rule classes)."""
    return (
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    )


QUERY = merge_types("Query", (Query, AccountQuery, ContentQuery, LimitsQuery))
MUTATION = merge_types("Mutation", (Mutation, IngestMutation, AccountMutation))


def build_schema(limits: DocumentLimits | None = None) -> StemmaSchema:
    """The schema; with `limits` (the server always gives them), a document past one is refused naming the
    limit and its value. The schema written as SDL and read by tests needs none.

    Parsed and validated documents are cached (clients send the same few queries over and over); the
    depth and alias rules are built once, because validation is cached per set of rule classes."""
    return StemmaSchema(
        query=QUERY,
        mutation=MUTATION,
        config=StrawberryConfig(default_resolver=read_field, scalar_map=SCALARS),
        extensions=document_extensions(limits),
    )


def document_extensions(limits: DocumentLimits | None) -> list[Any]:
    """Errors with codes; cached parsing and validation behind the linear shape and Unicode checks; and, with
    `limits`, the token, depth and alias limits (also the W&B layer's schema's)."""
    extensions: list[Any] = [
        StemmaErrors,
        lambda: CachedParser(maxsize=DOCUMENT_CACHE),
        lambda: BoundedValidation(maxsize=DOCUMENT_CACHE),
    ]
    if limits is not None:
        limit_rules = document_rules(limits)
        extensions += [
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(list(limit_rules)),
        ]
    return extensions


schema = build_schema()
