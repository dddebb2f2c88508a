"""Errors as HTTP answers: the one place Stemma's error family becomes a status, headers and a body.

On /graphql the body has GraphQL's shape, `{"errors": [{"message", "extensions": {"code", ...}}]}`, so clients
read every answer there alike; elsewhere it is `{"error": {"code", "message", ...}}`. Routes raise and the
app's exception handler answers; middleware, which runs outside the app's handlers, answers with
`error_response` itself. Errors inside GraphQL are formatted by the schema (schema/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cypher.errors import StemmaError

GRAPHQL_PATH = "/graphql"


def error_response(path: str, error: StemmaError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The answer to a request for `path` that `error` refused; `headers` are added to its own."""
    if path == GRAPHQL_PATH:
        body: dict[str, object] = {"errors": [{"message": error.message, "extensions": error.extensions}]}
    else:
        body = {"error": {"message": error.message, **error.extensions}}
    head = {"retry-after": str(error.retry_after)} if error.retry_after is not None else {}
    return JSONResponse(body, status_code=error.status, headers={**head, **(headers or {})})


async def stemma_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StemmaError):
        raise TypeError(f"registered for StemmaError only, got {type(exc).__name__}") from exc
    return error_response(request.url.path, exc)


EXCEPTION_HANDLERS = {StemmaError: stemma_error_handler}
