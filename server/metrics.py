"""Prometheus metrics: requests by route and status, Cypher statements sent, by kind."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cypher.errors import Forbidden
from server.middleware import HTTPMiddleware

CLIENT_CLOSED = 499  # the client went away mid-request (nginx's convention): not a server error


class Metrics:
    """One registry per app, so several apps in a process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.statements = Counter(
            "stemma_cypher_statements", "Cypher statements sent to Neo4j", ["kind"], registry=self.registry
        )
        self.executions = Counter(
            "stemma_graphql_executions",
            "GraphQL requests by how they ran: compiled (answered from the statements' maps) or resolved",
            ["path"],
            registry=self.registry,
        )
        self.requests = Histogram(
            "stemma_http_request_seconds",
            "HTTP request duration",
            ["method", "route", "status"],
            registry=self.registry,
        )

    def count_statement(self, kind: str) -> None:
        self.statements.labels(kind=kind).inc()

    async def endpoint(self, request: Request) -> Response:
        """Superusers only: the counts span every tenant's traffic."""
        if not request.state.caller.superuser:
            raise Forbidden("metrics span every tenant's traffic: they need a superuser's key")
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware(HTTPMiddleware):
    """Times every HTTP request; the route label is the path template, never the raw path."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        except ClientDisconnect:
            status = CLIENT_CLOSED
            raise
        finally:
            self.metrics.requests.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    """The matching route's path template (never the raw path, whose values are unbounded), or `other`."""
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"
