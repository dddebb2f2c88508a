"""Bounds on a document's shape, checked in linear time before graphql-core's validation, whose check that
fields can merge is quadratic in the repeats of one response name (1,000 repeats: about 2 s of event loop)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import ValidationCache

MAX_SELECTIONS = 1000
MAX_REPEATS = 20
MAX_FRAGMENTS = 50
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_in(value: Any, path: str) -> str | None:
    """The path of the first string in `value` holding a lone UTF-16 surrogate (JSON's "\\ud800"), or of the
    object one of whose keys holds one; walked without recursion, since variables may nest deeper than Python's
    stack (their depth is checked later)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where
        elif isinstance(item, dict):
            if any(_SURROGATE.search(key) for key in item if isinstance(key, str)):
                return where
            stack.extend((f"{where}.{key}", child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in reversed(list(enumerate(item))))
    return None


def surrogate_error(variables: dict[str, Any] | None) -> GraphQLError | None:
    """Strings must be Unicode: a lone surrogate cannot be stored or sent to Neo4j, so it is refused by name.
    (graphql-core's lexer already refuses them in the document's own literals.)"""
    found = _surrogate_in(variables or {}, "variables")
    if found is None:
        return None
    return GraphQLError(
        f"{found} holds a lone UTF-16 surrogate (\\ud800-\\udfff); strings must be valid Unicode",
        extensions={"code": "BAD_USER_INPUT", "field": found},
    )


def _selection_sets(document: DocumentNode) -> Iterator[SelectionSetNode]:
    stack = [node.selection_set for node in document.definitions if isinstance(node, ExecutableDefinitionNode)]
    while stack:
        selection_set = stack.pop()
        yield selection_set
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                stack.append(selection.selection_set)


def shape_error(document: DocumentNode, max_selections: int = MAX_SELECTIONS) -> GraphQLError | None:
    """Why the document is too big to validate, or None: too many fragments or selections in all, or one
    response name selected too often in one selection set."""
    fragments = sum(isinstance(node, FragmentDefinitionNode) for node in document.definitions)
    if fragments > MAX_FRAGMENTS:
        return GraphQLError(
            f"the document defines {fragments} fragments; at most {MAX_FRAGMENTS} are allowed",
            extensions={"code": "BAD_USER_INPUT", "limit": MAX_FRAGMENTS},
        )
    total = 0
    for selection_set in _selection_sets(document):
        total += len(selection_set.selections)
        if total > max_selections:
            return GraphQLError(
                f"the document has more than {max_selections} selections, the limit",
                extensions={"code": "BAD_USER_INPUT", "limit": max_selections},
            )
        names = Counter(
            (s.alias or s.name).value for s in selection_set.selections if isinstance(s, FieldNode)
        ).most_common(1)
        if names and names[0][1] > MAX_REPEATS:
            name, count = names[0]
            return GraphQLError(
                f"{name} is selected {count} times in one selection set; at most {MAX_REPEATS} are allowed",
                extensions={"code": "BAD_USER_INPUT", "field": name, "limit": MAX_REPEATS},
            )
    return None


class BoundedValidation(ValidationCache):
    """Strawberry's validation cache, behind the linear shape check."""

    def __init__(self, maxsize: int, max_selections: int = MAX_SELECTIONS) -> None:
        super().__init__(maxsize=maxsize)
        self.max_selections = max_selections

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        error = None
        if document is not None:
            error = shape_error(document, self.max_selections) or surrogate_error(context.variables)
        if error is not None:
            self.execution_context.pre_execution_errors = [error]
            yield
            return
        yield from super().on_validate()
