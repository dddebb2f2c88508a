"""GraphQL over HTTP on /graphql, as the GraphQL-over-HTTP spec says: GET and POST, two media types, and a
JSON answer to every request, refused ones too.

- **Media types.** `application/graphql-response+json` when the Accept header names it at least as highly as
  `application/json`; `application/json` otherwise (also for `*/*` and a missing Accept); 406 when neither is
  acceptable. With graphql-response+json a request that cannot run (a syntax or validation error, variables
  that do not coerce, a missing or ambiguous operation) is answered 400 without `data`; with
  application/json such an answer keeps its legacy status 200 and `"data": null`. Either way an answer that
  executed is 200, unless an error asks the client to come back later (its status and Retry-After).
- **Requests.** GET takes `query`, `operationName`, and URL-encoded JSON `variables` and `extensions`; a
  mutation over GET is 405 (Allow: POST). POST takes one JSON object (`application/json`, UTF-8); another
  content type is 415; a body that is not a JSON object, a missing query or a parameter of the wrong type is
  400 naming it. A document with several operations needs `operationName`: without it nothing runs.
- **Persisted queries** (`server.persisted`): a hash in `extensions.persistedQuery` stands for its document;
  an allow-list may restrict the server to known documents.

Each request is answered by compiled execution when its query compiles (`schema.compiled`), otherwise by
Strawberry. A browser asking for a page (GET, Accept: text/html, no query) gets GraphiQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType as StrawberryOperation

from cypher.errors import (
    InvalidInput,
    MethodNotAllowed,
    NotAcceptable,
    StemmaError,
    UnsupportedMediaType,
)
from schema.build import StemmaSchema
from schema.compiled import CompiledQueries, Recording, fresh_context, shown
from schema.context import Context
from schema.errors import INTERNAL
from schema.scalars import MAX_JSON_DEPTH
from server import __version__
from server.accept import preference, quality
from server.errors import error_response
from server.graphiql import wants_graphiql
from server.metrics import Metrics
from server.persisted import PersistedQueries, asked
from server.state import services

logger = logging.getLogger("stemma.server")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
METHODS = ("GET", "POST")
Page = Callable[[Request], Awaitable[Response]]
_ALLOWED = {
    "GET": {StrawberryOperation.QUERY},
    "POST": {StrawberryOperation.QUERY, StrawberryOperation.MUTATION},
}


def media_type(accept: str | None) -> str | None:
    """The answer's media type for an Accept header: graphql-response+json when the header names it and wants
    it at least as much as application/json; application/json for a missing header, `*/*` or `application/*`;
    None when neither is acceptable."""
    if not accept or not accept.strip():
        return JSON
    strict, specificity = preference(accept, GRAPHQL_RESPONSE)
    legacy = quality(accept, JSON)
    if strict > 0 and specificity == 2 and strict >= legacy:
        return GRAPHQL_RESPONSE
    return JSON if legacy > 0 else None


@dataclass(frozen=True)
class Params:
    """A request's GraphQL parameters, each of the type the spec gives it (the query is checked later: a
    persisted query may stand in for it)."""

    query: object
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def params(query: object, operation_name: object, variables: object, extensions: object) -> Params:
    if operation_name is not None and not isinstance(operation_name, str):
        raise InvalidInput(
            "operationName: must be a string naming one operation of the document", field="operationName"
        )
    for name, value in (("variables", variables), ("extensions", extensions)):
        if value is not None and not isinstance(value, dict):
            raise InvalidInput(f"{name}: must be a JSON object", field=name)
    return Params(query, operation_name, variables, extensions)  # type: ignore[arg-type]


def decode(text: str | bytes, name: str) -> Any:
    """JSON from a request; JSON nested deeper than Python's stack is refused like any over-deep JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InvalidInput(
            f"{name}: the request's JSON nests too deeply to read; variables may nest at most {MAX_JSON_DEPTH} deep",
            field=name,
        ) from None
    except ValueError as exc:
        raise InvalidInput(f"{name}: not JSON ({exc})", field=name) from None


async def read_params(request: Request) -> Params:
    """The GraphQL parameters of a GET's query string or a POST's JSON body."""
    if request.method == "GET":
        query = request.query_params

        def json_param(name: str) -> object:
            text = query.get(name)
            return decode(text, name) if text else None

        return params(query.get("query"), query.get("operationName"), json_param("variables"), json_param("extensions"))
    content_type, *parameters = (piece.strip().lower() for piece in request.headers.get("content-type", "").split(";"))
    charset = next((p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset=")), "utf-8")
    if content_type != JSON or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"content-type: a POST to /graphql sends {JSON} (UTF-8), not {content_type or 'nothing'!r}",
            field="content-type",
        )
    body = await request.body()
    if not body.strip():
        raise InvalidInput("body: empty; send a JSON object with a `query`", field="body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"body: not UTF-8 ({exc.reason} at byte {exc.start})", field="body") from None
    data = decode(text, "body")
    if isinstance(data, list):
        raise InvalidInput("body: batched requests (a JSON array) are not supported; send one object", field="body")
    if not isinstance(data, dict):
        raise InvalidInput("body: must be a JSON object with a `query`", field="body")
    return params(data.get("query"), data.get("operationName"), data.get("variables"), data.get("extensions"))


def request_context(request: Request, head: Head | None = None) -> Context:
    """What resolvers get for a request: its caller and the running app's services."""
    running = services(request)
    return Context(
        executor=running.graph.executor,
        files=running.blobs,
        caller=request.state.caller,
        limits=running.limits,
        console=running.console,
        authenticator=running.authenticator,
        response=head,
        stemma_version=__version__,
    )


@dataclass
class Head:
    """The answer's status and headers, as errors inside GraphQL may set them (Retry-After)."""

    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class GraphQLEndpoint:
    """/graphql: parameters, persisted queries and the operation checked here; the document answered by
    compiled execution or Strawberry; the result written in the asked media type."""

    def __init__(
        self,
        schema: StemmaSchema,
        compiled: CompiledQueries,
        execution: str,
        metrics: Metrics,
        persisted: PersistedQueries,
        ide: Page | None = None,
    ) -> None:
        self.schema = schema
        self.compiled = compiled
        self.compiles = execution != "resolved"
        self.verify = execution == "verify"
        self.metrics = metrics
        self.persisted = persisted
        self.ide = ide

    async def handle(self, request: Request) -> Response:
        media = media_type(request.headers.get("accept"))
        try:
            if request.method not in METHODS:
                raise MethodNotAllowed(
                    f"method: /graphql answers {' and '.join(METHODS)}, not {request.method}", field="method"
                )
            if self.ide is not None and wants_graphiql(request):
                return await self.ide(request)
            if media is None:
                raise NotAcceptable(
                    f"accept: /graphql answers {GRAPHQL_RESPONSE} or {JSON}; the Accept header allows neither",
                    field="accept",
                )
            asked_for = await read_params(request)
            query = self.persisted.document(asked(asked_for.query, asked_for.extensions), request.state.caller.user)
            if query is None:
                raise InvalidInput(
                    "query: missing; send a GraphQL document (or a persisted query's hash)", field="query"
                )
            self._check_operation(query, asked_for.operation_name, request.method)
            head = Head()
            result = await self._execute(query, asked_for, self._context(request, head), request.method)
        except StemmaError as exc:
            return self._refused(request, exc, media or JSON)
        return self._answer(result, media, head)

    def _check_operation(self, query: str, operation_name: str | None, method: str) -> None:
        """The operation to run exists and may run over `method`; a document that does not parse or validate
        is left to execution, which reports its errors."""
        prepared = self.compiled.prepare(query)
        if prepared is None:
            return
        operation = prepared.operation(operation_name)
        if operation is None and operation_name is None:
            raise InvalidInput(
                "operationName: the document has several operations; name the one to run", field="operationName"
            )
        if operation is None:
            raise _no_operation(operation_name)
        if operation.operation is not OperationType.QUERY and method == "GET":
            raise _post_only(operation.operation.value)

    def _context(self, request: Request, head: Head) -> Context:
        return request_context(request, head)

    async def _execute(self, query: str, asked_for: Params, context: Context, method: str) -> ExecutionResult:
        if self.compiles:
            reads = Recording(context.reader) if self.verify else None
            answer = await self.compiled.execute(
                query,
                asked_for.variables,
                asked_for.operation_name,
                fresh_context(context, reads=reads) if reads else context,
            )
            if answer is not None:
                self.metrics.count_execution("compiled")
                if reads is None:
                    return answer
                resolved = await self._resolved(query, asked_for, fresh_context(context, reads=reads.replay()), method)
                return _same_or_refused(answer, resolved)
        self.metrics.count_execution("resolved")
        return await self._resolved(query, asked_for, context, method)

    async def _resolved(self, query: str, asked_for: Params, context: Context, method: str) -> ExecutionResult:
        """Strawberry's answer; it checks the operation's type before validating, so a document that does not
        validate meets `_check_operation`'s refusals here."""
        try:
            return await self.schema.execute(
                query,
                variable_values=asked_for.variables,
                context_value=context,
                operation_name=asked_for.operation_name,
                allowed_operation_types=_ALLOWED[method],
                operation_extensions=asked_for.extensions,
            )
        except InvalidOperationTypeError as exc:
            raise _post_only(exc.operation_type.value) from exc
        except CannotGetOperationTypeError as exc:
            raise _no_operation(asked_for.operation_name) from exc

    def _answer(self, result: ExecutionResult, media: str, head: Head) -> Response:
        body: dict[str, Any] = {"data": result.data}
        status = 200
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
            if media == GRAPHQL_RESPONSE and result.data is None and all(e.path is None for e in result.errors):
                del body["data"]  # the request did not run: a request error
                status = 400
        if result.extensions:
            body["extensions"] = result.extensions
        return Response(_encode(body), head.status_code or status, head.headers, media)

    def _refused(self, request: Request, error: StemmaError, media: str) -> Response:
        allow = error.details.get("allow") or (", ".join(METHODS) if isinstance(error, MethodNotAllowed) else None)
        response = error_response(request.url.path, error, {"allow": str(allow)} if allow else None)
        response.headers["content-type"] = media
        return response


def _no_operation(name: str | None) -> InvalidInput:
    return InvalidInput(f"operationName: the document has no operation named {name!r}", field="operationName")


def _post_only(operation: str) -> MethodNotAllowed:
    return MethodNotAllowed(f"method: a {operation} is sent by POST, never GET", field="method", allow="POST")


def _encode(body: object) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # an integer past 64 bits in someone's JSON metadata
        return json.dumps(body).encode()


def _same_or_refused(compiled: ExecutionResult, resolved: ExecutionResult) -> ExecutionResult:
    """Verifying: the compiled answer when the resolved one is the same JSON; otherwise an internal error,
    with both answers in the log."""
    if shown(compiled) == shown(resolved):
        return compiled
    logger.error("compiled and resolved answers differ:\ncompiled: %s\nresolved: %s", shown(compiled), shown(resolved))
    refused = GraphQLError("compiled and resolved execution gave different answers", extensions={"code": INTERNAL})
    return ExecutionResult(None, [refused])
