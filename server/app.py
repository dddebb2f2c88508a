"""The Starlette application: GraphQL, file transfer, health, metrics and the lineage page."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cypher.errors import NotFound, StemmaError
from cypher.migrate import migration_lock
from schema.build import build_schema
from schema.compiled import CompiledQueries
from schema.service import Graph, NewKey
from server import bundles, files, openlineage, wandb_compat
from server.auth import Authenticator, AuthMiddleware, login, logout
from server.blobs import BlobStore, DirectoryBlobStore, S3BlobStore
from server.cluster import Cluster
from server.errors import EXCEPTION_HANDLERS
from server.graphiql import graphiql_page
from server.graphql_http import GraphQLEndpoint
from server.health import Health
from server.limits import BodyLimitMiddleware
from server.metrics import Metrics, MetricsMiddleware
from server.page_headers import PageHeadersMiddleware
from server.persisted import PersistedQueries
from server.ratelimit import RateLimiter
from server.settings import Settings
from server.shared import SharedState
from server.state import Services

logger = logging.getLogger("stemma.server")
STARTUP_WAIT_SECONDS = 30
FOLDED_KEYS = 1_000  # keys folded per step at most (1,000 took about 0.35 s of Neo4j on the bench machine)
WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


async def lineage_page(request: Request) -> Response:
    index = WEB_DIST / "index.html"
    if not index.is_file():
        raise NotFound("the web page is not built; run `make web`")
    return FileResponse(index)


async def _prepare_graph(graph: Graph, settings: Settings) -> None:
    """Apply migrations and make the first admin on an empty database, now or as soon as Neo4j answers;
    the server serves meanwhile (health says 503). One process at a time (workers, replicas, the CLI), so
    the first admin is made once."""
    while True:
        try:
            async with migration_lock(graph.executor):
                applied, admin_key = await graph.prepare()
            if applied:
                logger.info("applied migrations %s", ", ".join(applied))
            else:
                logger.info("migrations up to date")
            announce_first_admin(admin_key, settings)
            return
        except StemmaError as exc:
            logger.warning("migrations wait for Neo4j: %s", exc.message)
            await asyncio.sleep(2)


async def _keep_in_step(cluster: Cluster, shared: SharedState, graph: Graph) -> None:
    """The host's leader steps with the other hosts on the graph every `cluster.interval` seconds; the host that
    sweeps also folds the lineage counts' new rows (statements/fold_lineage_counts.cypher), so that a hub's count
    stays a few rows however many writers added to it."""
    while True:
        try:
            if shared.leads() and await cluster.step() and cluster.sweeps:
                await graph.fold_lineage_counts(FOLDED_KEYS)
        except StemmaError as exc:
            logger.warning("lineage counts not folded: %s", exc.message)
        except Exception:  # a bug or an OS error must not end the loop: the host would stop hearing of key changes
            logger.exception("cluster step failed")
        await asyncio.sleep(cluster.interval)


async def _sweep_stale_runs(
    graph: Graph, blobs: BlobStore, settings: Settings, shared: SharedState, cluster: Cluster
) -> None:
    """Periodically, by the leader of the host that holds the sweeper lease: runs silent for longer than the
    grace period are marked crashed, the wandb client's uploads past their URLs' life forgotten, and uploads to
    the store abandoned before they were finished removed."""
    while True:
        await asyncio.sleep(settings.sweep_interval_seconds)
        try:
            if not (shared.leads() and cluster.sweeps):
                continue
            swept = await graph.sweep_stale_runs(settings.stale_run_seconds)
            if swept:
                logger.info("marked %d silent runs as crashed", swept)
            uploads = await graph.sweep_wandb_uploads(wandb_compat.UPLOAD_SECONDS)
            if uploads:
                logger.info("removed %d wandb client uploads past their URLs' life", uploads)
            await blobs.remove_abandoned(older_than=settings.s3_presigned_seconds + settings.sweep_interval_seconds)
        except StemmaError as exc:
            logger.warning("stale-run sweep skipped: %s", exc.message)
        except Exception:  # as above: the loop goes on
            logger.exception("stale-run sweep failed")


def start_services(settings: Settings, metrics: Metrics) -> Services:
    """Everything the app holds while it runs, from the settings (the driver too: it belongs to this loop)."""
    graph = Graph(settings.async_driver(), settings.neo4j_database, on_statement=metrics.count_statement)
    shared = SharedState.attach(settings.workers_dir)
    failures = RateLimiter(settings.auth_failures_per_second, settings.auth_failure_burst, shared, "auth_failures")
    blobs: BlobStore
    if settings.blob_url is not None:
        blobs = S3BlobStore(
            settings.blob_url,
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_presigned_seconds,
            settings.s3_part_bytes,
            settings.s3_public_endpoint_url,
        )
    else:
        blobs = DirectoryBlobStore(settings.blob_path)
        removed = blobs.remove_partial_uploads(idle_seconds=settings.body_read_timeout_seconds)
        if removed:
            logger.info("removed %d partial uploads left by an earlier run", removed)
    requests = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst, shared, "requests")
    return Services(
        settings=settings,
        graph=graph,
        authenticator=Authenticator(graph, ttl=settings.key_cache_seconds, failures=failures, shared=shared),
        requests=requests,
        shared=shared,
        cluster=Cluster.of(graph, shared, (requests, failures), settings),
        blobs=blobs,
        limits=settings.graph_limits(),
        console=settings.console_limits(),
    )


def create_app(settings: Settings) -> Starlette:
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        running = start_services(settings, metrics)
        app.state.stemma = running
        graph = running.graph
        tasks = [asyncio.create_task(_prepare_graph(graph, settings))]
        if isinstance(running.blobs, S3BlobStore):
            await running.blobs.check()
        try:
            reachable = (await graph.status()).reachable
            await asyncio.wait_for(asyncio.shield(tasks[0]), timeout=STARTUP_WAIT_SECONDS if reachable else 0.1)
        except TimeoutError:
            logger.warning("Neo4j at %s is not answering; serving anyway", settings.effective_neo4j_uri)
        tasks.append(asyncio.create_task(_keep_in_step(running.cluster, running.shared, graph)))
        tasks.append(
            asyncio.create_task(_sweep_stale_runs(graph, running.blobs, settings, running.shared, running.cluster))
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
            await running.cluster.leave()
            await graph.close()
            running.shared.close()

    schema = build_schema(settings.document_limits())
    compiled = CompiledQueries(schema, settings.document_limits())
    persisted = PersistedQueries.from_file(
        settings.persisted_queries, settings.persisted_queries_manifest, settings.persisted_queries_capacity
    )
    graphql = GraphQLEndpoint(schema, compiled, settings.graphql_execution, metrics, persisted, graphiql_page)
    routes = [  # the router tries them in turn: the busiest first
        Route("/graphql", graphql.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Route("/healthz", Health(settings.health_cache_seconds).endpoint),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
        Route("/metrics", metrics.endpoint),
        Route("/graphiql", graphiql_page),
        *files.routes,
        *openlineage.routes,
        *bundles.routes,
        *wandb_compat.routes(metrics, settings.document_limits()),
        Route("/", lineage_page),
        Route("/lineage", lineage_page),
        Mount("/assets", app=StaticFiles(directory=WEB_DIST / "assets", check_dir=False), name="assets"),
    ]
    middleware = [
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(PageHeadersMiddleware),
        Middleware(BodyLimitMiddleware, limits=settings.body_limits()),
        Middleware(AuthMiddleware),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS)


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
