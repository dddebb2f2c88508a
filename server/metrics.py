"""Prometheus metrics: requests by route and status, Cypher statements sent, by kind."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cypher.errors import Forbidden
from server.middleware import HTTPMiddleware

MAX_CHILDREN = 1024
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
        # Each metric's child by its labels, found once: `labels()` checks the values and takes a lock every call.
        self._children: dict[tuple[object, ...], Any] = {}

    def _child(self, metric: Counter | Histogram, *labels: str) -> Any:
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            child = metric.labels(*labels)
            if len(self._children) < MAX_CHILDREN:  # a request's method comes from the client: keep a bounded few
                self._children[key] = child
        return child

    def count_statement(self, kind: str) -> None:
        self._child(self.statements, kind).inc()

    def count_execution(self, path: str) -> None:
        self._child(self.executions, path).inc()

    def time_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self.requests, method, route, str(status)).observe(seconds)

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
        self._exact: dict[str, BaseRoute] | None = None

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
            if self._exact is None:  # the app's routes, fixed once it is built
                self._exact = exact_routes(getattr(scope.get("app"), "routes", []))
            route = route_template(scope, self._exact)
            self.metrics.time_request(scope["method"], route, status, time.perf_counter() - started)


def route_template(scope: Scope, exact: Mapping[str, BaseRoute] | None = None) -> str:
    """The matching route's path template (never the raw path, whose values are unbounded), or `other`.

    `exact` (`exact_routes`) holds the app's routes whose template has no parameter: a path that is one of
    them (/graphql) tries that route first, instead of every route in turn for every request."""
    routes: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
    first = exact.get(scope.get("path", "")) if exact else None
    for route in ([first] if first is not None else []) + routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"


def exact_routes(routes: Sequence[BaseRoute]) -> dict[str, BaseRoute]:
    """The routes whose template has no parameter, by that template, up to the first route that has one or
    mounts an app (it could match those paths too, and comes first)."""
    found: dict[str, BaseRoute] = {}
    for route in routes:
        if not isinstance(route, Route) or "{" in route.path:
            break
        found.setdefault(route.path, route)
    return found
