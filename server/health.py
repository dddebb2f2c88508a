"""GET /healthz: whether Neo4j answers, and which one; the answer is reused for a moment so a
flood of health checks costs Neo4j one statement a moment."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cypher.health import Neo4jStatus, neo4j_status
from server import __version__


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
                self._status = await neo4j_status(request.app.state.executor)
                self._until = time.monotonic() + self.ttl
            return self._status

    async def endpoint(self, request: Request) -> Response:
        status = await self.status(request)
        if not status.reachable:
            return JSONResponse(
                {"status": "unavailable", "version": __version__, "reason": status.reason},
                status_code=503,
                headers={"retry-after": "2"},
            )
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "neo4j": {"version": status.version, "edition": status.edition},
            }
        )
