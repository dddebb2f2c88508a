"""GraphQL error formatting: Stemma's own errors pass with their code; anything else is masked.

An answer holding an error that asks the client to come back later (UNAVAILABLE, with its Retry-After) takes
that error's HTTP status and header, so clients and proxies retry; any other error is an answer (200) in the
GraphQL `errors` list. Refusals before GraphQL runs (a key, a body too large) are the server's, in the same
`errors` shape on /graphql."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from cypher.errors import StemmaError

logger = logging.getLogger("stemma.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"
MASKED_MESSAGE = "Internal error."
INVALID_REQUEST = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"

_ARGUMENT_VALUE = re.compile(r"^Argument '(?P<name>\w+)' has invalid value(?: at (?P<at>[^:]+))?:")
_VARIABLE_VALUE = re.compile(r"^Variable '\$(?P<name>\w+)' has invalid value(?: at (?P<at>[^:]+))?:")


def is_client_error(error: GraphQLError) -> bool:
    """Errors the client may read: ours, the request's own syntax, validation and value-coercion errors
    (those come before execution, so they have no path), and graphql-core's argument coercion during
    execution (a variable explicitly null where the argument is non-null with a default)."""
    original = error.original_error
    return original is None or isinstance(original, (StemmaError, GraphQLError)) or error.path is None


def argument_values(document: DocumentNode) -> Iterator[tuple[str, ValueNode]]:
    """Every value written inside an argument, with its path: `input`, `input.files`, `input.files[0].size`."""
    arguments: list[ArgumentNode] = []

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            arguments.append(node)

    visit(document, Arguments())

    def within(path: str, value: ValueNode) -> Iterator[tuple[str, ValueNode]]:
        yield path, value
        if isinstance(value, ObjectValueNode):
            for field in value.fields:
                yield from within(f"{path}.{field.name.value}", field.value)
        elif isinstance(value, ListValueNode):
            for index, item in enumerate(value.values):
                yield from within(f"{path}[{index}]", item)

    for argument in arguments:
        yield from within(argument.name.value, argument.value)


def input_field(error: GraphQLError, document: DocumentNode | None) -> str | None:
    """The argument (and the place inside it) a value error is about, or None when it is about no value."""
    argument = _ARGUMENT_VALUE.match(error.message)
    if argument:
        return argument["name"] + (argument["at"] or "")
    variable = _VARIABLE_VALUE.match(error.message)
    if variable:
        usages = (path for path, node in _values(document) if _is_variable(node, variable["name"]))
        return next(usages, f"${variable['name']}") + (variable["at"] or "")
    literal = error.nodes[0] if error.nodes and error.original_error is not None else None
    if literal is not None and literal.loc is not None:
        start = literal.loc.start
        return next((path for path, node in _values(document) if node.loc and node.loc.start == start), None)
    return None


def _values(document: DocumentNode | None) -> Iterator[tuple[str, ValueNode]]:
    return argument_values(document) if document is not None else iter(())


def _is_variable(node: Node, name: str) -> bool:
    return isinstance(node, VariableNode) and node.name.value == name


def as_bad_user_input(error: GraphQLError, field: str | None) -> GraphQLError:
    """A value the client sent was refused: BAD_USER_INPUT, naming the argument in the message and extensions.

    A new error, because validation errors are cached and shared between requests."""
    message = error.message.replace(" not to be None.", " not to be null.")
    if field is not None and not message.startswith(("Argument ", "Variable ")):
        message = f"{field}: {message}"
    extensions = {"code": BAD_USER_INPUT, **({"field": field} if field is not None else {})}
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, error.original_error, extensions
    )


def client_errors(errors: list[GraphQLError], document: DocumentNode | None, response: Any) -> list[GraphQLError]:
    """The errors as the client sees them: unexpected ones masked (and logged here with their trace), every
    one with a code; an error asking to come back later sets the response's status and Retry-After."""
    processed = [_with_code(error if is_client_error(error) else _masked(error), document) for error in errors]
    later = [e.original_error for e in processed if isinstance(e.original_error, StemmaError)]
    retry = next((error for error in later if error.retry_after is not None), None)
    if retry is not None and response is not None:
        response.status_code = retry.status
        response.headers["retry-after"] = str(retry.retry_after)
    return processed


def _masked(error: GraphQLError) -> GraphQLError:
    logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
    return GraphQLError(
        MASKED_MESSAGE, error.nodes, error.source, error.positions, error.path, None, {"code": INTERNAL}
    )


def _with_code(error: GraphQLError, document: DocumentNode | None) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error
    field = input_field(error, document)
    if field is not None or isinstance(error.original_error, GraphQLError):
        return as_bad_user_input(error, field)
    error.extensions = {**(error.extensions or {}), "code": INVALID_REQUEST}
    return error


class StemmaErrors(MaskErrors):
    """Strawberry's hook for `client_errors`: masks unexpected errors and gives every error a code."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context
        return client_errors(errors, context.graphql_document, getattr(context.context, "response", None))
