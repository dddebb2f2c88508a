"""The Starlette application: GraphQL, file transfer, health, metrics and the lineage page."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL

from cypher.accounts import NewKey, first_admin
from cypher.errors import StemmaError
from cypher.executor import Executor, Statement
from cypher.health import neo4j_status
from cypher.migrate import migrate
from cypher.named import named
from cypher.printer import Limits
from schema.build import build_schema
from schema.context import ConsoleLimits, Context
from server import __version__, files
from server.auth import Authenticator, AuthMiddleware, RateLimiter, login, logout
from server.blobs import DirectoryBlobStore
from server.health import Health
from server.limits import BodyLimitMiddleware, BodyLimits
from server.metrics import Metrics, MetricsMiddleware
from server.page_headers import PageHeadersMiddleware
from server.settings import Settings

logger = logging.getLogger("stemma.server")
STARTUP_WAIT_SECONDS = 30
WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


class StemmaGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with Stemma's per-request context."""

    async def get_context(self, request: Any, response: Any = None) -> Context:
        state = request.app.state
        return Context(
            executor=state.executor,
            files=state.blobs,
            limits=state.limits,
            caller=request.state.caller,
            authenticator=state.authenticator,
            response=response,
            console=state.console,
            stemma_version=__version__,
        )


async def lineage_page(request: Request) -> Response:
    index = WEB_DIST / "index.html"
    if not index.is_file():
        return JSONResponse(
            {"error": {"code": "NOT_FOUND", "message": "the web page is not built; run `make web`"}}, status_code=404
        )
    return FileResponse(index)


async def _prepare_graph(executor: Executor, settings: Settings) -> None:
    """Apply migrations and make the first admin on an empty database, now or as soon as Neo4j answers;
    the server serves meanwhile (health says 503)."""
    while True:
        try:
            applied = await migrate(executor)
            if applied:
                logger.info("applied migrations %s", ", ".join(applied))
            announce_first_admin(await first_admin(executor), settings)
            return
        except StemmaError as exc:
            logger.warning("migrations wait for Neo4j: %s", exc.message)
            await asyncio.sleep(2)


async def _sweep_stale_runs(executor: Executor, grace_seconds: int, interval: float) -> None:
    """Periodically, runs silent for longer than the grace period are marked crashed."""
    while True:
        await asyncio.sleep(interval)
        try:
            rows = await executor.write(
                lambda tx: tx.run(Statement(named("sweep_stale_runs"), {"grace_seconds": grace_seconds}))
            )
            if rows and rows[0]["swept"]:
                logger.info("marked %d silent runs as crashed", rows[0]["swept"])
        except StemmaError as exc:
            logger.warning("stale-run sweep skipped: %s", exc.message)


def create_app(settings: Settings) -> Starlette:
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = settings.async_driver()
        executor = Executor(driver, settings.neo4j_database, on_statement=metrics.count_statement)
        app.state.settings = settings
        app.state.executor = executor
        app.state.authenticator = Authenticator(
            executor,
            ttl=settings.key_cache_seconds,
            failures=RateLimiter(settings.auth_failures_per_second, settings.auth_failure_burst),
        )
        app.state.console = ConsoleLimits(settings.console_timeout_seconds, settings.console_max_rows)
        app.state.blobs = DirectoryBlobStore(settings.blob_path)
        removed = app.state.blobs.remove_partial_uploads(idle_seconds=settings.body_read_timeout_seconds)
        if removed:
            logger.info("removed %d partial uploads left by an earlier run", removed)
        app.state.limits = Limits(
            max_page_size=settings.max_page_size,
            lineage_max_depth=settings.lineage_max_depth,
            lineage_max_nodes=settings.lineage_max_nodes,
            lineage_max_cluster_threshold=settings.lineage_max_cluster_threshold,
        )
        tasks = [asyncio.create_task(_prepare_graph(executor, settings))]
        try:
            reachable = (await neo4j_status(executor)).reachable
            await asyncio.wait_for(asyncio.shield(tasks[0]), timeout=STARTUP_WAIT_SECONDS if reachable else 0.1)
        except TimeoutError:
            logger.warning("Neo4j at %s is not answering; serving anyway", settings.effective_neo4j_uri)
        tasks.append(
            asyncio.create_task(
                _sweep_stale_runs(executor, settings.stale_run_seconds, settings.sweep_interval_seconds)
            )
        )
        # What exists now (the schema, compiled code) lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall requests (p99 at 16 concurrent: 65 ms -> 20 ms).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await driver.close()

    schema = build_schema(settings.graphql_max_depth, settings.graphql_max_tokens, settings.graphql_max_aliases)
    graphql = StemmaGraphQL(schema, graphql_ide="graphiql")
    routes = [
        Route("/healthz", Health(settings.health_cache_seconds).endpoint),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
        Route("/metrics", metrics.endpoint),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        *files.routes,
        Route("/", lineage_page),
        Route("/lineage", lineage_page),
        Mount("/assets", app=StaticFiles(directory=WEB_DIST / "assets", check_dir=False), name="assets"),
    ]
    body_limits = BodyLimits(
        graphql_bytes=settings.max_request_bytes,
        upload_bytes=settings.max_upload_bytes,
        form_bytes=settings.max_form_bytes,
        timeout_seconds=settings.body_read_timeout_seconds,
    )
    middleware = [
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(PageHeadersMiddleware),
        Middleware(BodyLimitMiddleware, limits=body_limits),
        Middleware(AuthMiddleware, limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


def announce_first_admin(key: NewKey | None, settings: Settings) -> None:
    """Print the first admin's key once, to the terminal only (never to the log)."""
    if key is None:
        return
    print(
        f"\n  A first superuser 'admin' was created. Its API key, shown only this once:\n\n      {key.secret}\n\n"
        f"  Sign in at http://{settings.host}:{settings.port}/login, or export STEMMA_API_KEY for the SDK.\n",
        file=sys.stderr,
        flush=True,
    )
