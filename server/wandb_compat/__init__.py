"""The `wandb` client's API, mounted at /wandb: set WANDB_BASE_URL=http://HOST:PORT/wandb and WANDB_API_KEY to a
Stemma key, and unmodified W&B code records its runs and artifacts in Stemma's graph.

It is a layer of its own: its GraphQL schema is the part of W&B's the client uses (server/wandb_compat/schema.py),
translated onto Stemma's write path, blob store and access rules; Stemma's own schema does not change for it.
The client signs in with HTTP basic auth, user `api`, password the key (server/auth.py accepts that here only).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError
from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from strawberry.schema.exceptions import CannotGetOperationTypeError

from cypher.errors import InvalidInput, StemmaError
from schema.context import DocumentLimits
from server.errors import error_response
from server.graphql_http import read_params, request_context
from server.metrics import Metrics
from server.wandb_compat.artifacts import PREFIX, UPLOAD_SECONDS, WandbContext
from server.wandb_compat.filestream import file_stream
from server.wandb_compat.schema import build_schema
from server.wandb_compat.transfer import get_blob, put_upload

UNSUPPORTED = "UNSUPPORTED_OPERATION"
MAX_LABELS = 100  # operation names with a count of their own in /metrics; the client sends about 40
_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+(\w{1,64})")
__all__ = ["UPLOAD_SECONDS", "routes"]
logger = logging.getLogger("stemma.wandb")


class WandbGraphQL:
    """POST /wandb/graphql: one operation, answered through the W&B schema. An operation the schema cannot
    answer (a field it lacks) is refused naming the operation, logged and counted (the first MAX_LABELS
    operation names each have their count; any after them are counted together)."""

    def __init__(self, metrics: Metrics, limits: DocumentLimits) -> None:
        self.schema = build_schema(limits)
        self.unsupported = Counter(
            "stemma_wandb_unsupported_operations",
            "W&B client operations Stemma's W&B layer does not answer, by operation name",
            ["operation"],
            registry=metrics.registry,
        )
        self.labels: set[str] = set()

    async def handle(self, request: Request) -> Response:
        try:
            asked = await read_params(request)
            if not isinstance(asked.query, str) or not asked.query.strip():
                raise InvalidInput("query: the client sends its operation's document as a string", field="query")
        except StemmaError as error:
            return error_response(request.url.path, error)
        context = WandbContext(**vars(request_context(request)), base_url=str(request.base_url).rstrip("/"))
        # The client's Python side sends `operationName: ""` with documents of one operation.
        operation = asked.operation_name or None
        try:
            result = await self.schema.execute(
                asked.query, asked.variables, context_value=context, operation_name=operation
            )
        except CannotGetOperationTypeError:
            refused = InvalidInput(
                f"operationName: the document has no operation named {operation!r}", field="operationName"
            )
            return error_response(request.url.path, refused)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            if result.data is None and any(_unknown_field(error) for error in result.errors):
                return self._unsupported(operation or _named_in(asked.query), result.errors)
            body["errors"] = [error.formatted for error in result.errors]
        return JSONResponse(body)

    def _unsupported(self, operation: str, errors: list[GraphQLError]) -> Response:
        label = operation if operation in self.labels or len(self.labels) < MAX_LABELS else "(other)"
        self.labels.add(label)
        self.unsupported.labels(operation=label).inc()
        logger.warning("unsupported W&B operation %r: %s", operation, errors[0].message)
        error = {
            "message": f"operation {operation} is not supported by Stemma's W&B layer: {errors[0].message}",
            "extensions": {"code": UNSUPPORTED, "operation": operation},
        }
        return JSONResponse({"data": None, "errors": [error]})


def _named_in(query: str) -> str:
    """The name of the document's first operation (the client's Python side sends none), or `(anonymous)`."""
    found = _OPERATION.search(query)
    return found.group(1) if found else "(anonymous)"


def _unknown_field(error: GraphQLError) -> bool:
    """A validation error of a document asking for what the schema does not have."""
    return error.message.startswith(("Cannot query field", "Unknown argument", "Unknown type")) or (
        "is not defined by type" in error.message
    )


def routes(metrics: Metrics, limits: DocumentLimits) -> list[BaseRoute]:
    endpoint = WandbGraphQL(metrics, limits)
    return [
        Mount(
            PREFIX,
            routes=[
                Route("/graphql", endpoint.handle, methods=["POST"]),
                Route("/files/{entity}/{project}/{run}/file_stream", file_stream, methods=["POST"]),
                Route("/uploads/{upload}/{name}", put_upload, methods=["PUT"]),
                Route("/blobs/{digest}", get_blob, methods=["GET"]),
            ],
        )
    ]
