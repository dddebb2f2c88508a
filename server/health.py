"""GET /healthz: whether Neo4j answers, and which one; the answer is reused for a moment so a
flood of health checks costs Neo4j one statement a moment. Unhealthy is an answer, not an error: 503 with
the reason, retried as UNAVAILABLE is."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cypher.errors import Unavailable
from schema.service import Neo4jStatus
from server import __version__
from server.state import services


class Health:
    """The /healthz endpoint with its answer cached for `ttl` seconds (one look-up at a time)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._status: Neo4jStatus | None = None
        self._until = 0.0
        self._lock = asyncio.Lock()

    async def status(self, request: Request) -> Neo4jStatus:
        async with self._lock:
            if self._status is None or time.monotonic() >= self._until:
                self._status = await services(request).graph.status()
                self._until = time.monotonic() + self.ttl
            return self._status

    async def endpoint(self, request: Request) -> Response:
        status = await self.status(request)
        if not status.reachable:
            return JSONResponse(
                {"status": "unavailable", "version": __version__, "reason": status.reason},
                status_code=Unavailable.status,
                headers={"retry-after": str(Unavailable.default_retry_after)},
            )
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "neo4j": {"version": status.version, "edition": status.edition},
            }
        )
