"""GraphQL error formatting: Stemma's own errors pass with their code; anything else is masked."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from cypher.errors import StemmaError

logger = logging.getLogger("stemma.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"
INVALID_REQUEST = "GRAPHQL_VALIDATION_FAILED"
UNAVAILABLE = "UNAVAILABLE"


def is_client_error(error: GraphQLError) -> bool:
    """Errors the client may read: ours, and the request's own syntax, validation and value-coercion errors
    (those come before execution, so they have no path)."""
    original = error.original_error
    return original is None or isinstance(original, StemmaError) or error.path is None


class StemmaErrors(MaskErrors):
    """Masks unexpected errors (logged here with their trace) and gives every error a code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_client_error(error), error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": INVALID_REQUEST}
        if any((error.extensions or {}).get("code") == UNAVAILABLE for error in processed):
            self._answer_unavailable()
        return processed

    def _answer_unavailable(self) -> None:
        """When Neo4j is out of reach the HTTP answer is 503 with Retry-After, so clients and proxies retry."""
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["retry-after"] = "2"
