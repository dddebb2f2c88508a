"""The floor server that bench/server_floor.py measures beside `stemma serve`: a Starlette route under uvicorn that
answers `POST /graphql` doing only what any server on Stemma's stack must. It reads the body, decodes its JSON,
sends one statement (Stemma's own compiled statement for the request, from STEMMA_FLOOR_STATEMENT) as an
auto-commit read through the async Neo4j driver, in a session kept between requests as Stemma's executor does,
and writes the row back with orjson. Without STEMMA_FLOOR_STATEMENT it answers a fixed body and never reaches
Neo4j: uvicorn and Starlette alone.

It imports only what it serves with, and freezes what exists at start-up out of the garbage collector as
Stemma does, so that its heap costs no more to collect than it must.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATEMENT = "STEMMA_FLOOR_STATEMENT"  # the JSON of {text, params}; unset: answer without Neo4j
FIXED = b'{"data":{"artifact":null}}'


class Floor:
    """The driver and its idle read sessions."""

    def __init__(self) -> None:
        given = os.environ.get(STATEMENT)
        self.statement: dict[str, Any] | None = orjson.loads(given) if given else None
        self.driver: AsyncDriver | None = None
        self.idle: list[AsyncSession] = []
        if self.statement is not None:
            password = os.environ.get("STEMMA_NEO4J_PASSWORD")
            auth = (os.environ.get("STEMMA_NEO4J_USER", "neo4j"), password) if password else None
            uri = os.environ["STEMMA_NEO4J_URI"]
            self.driver = AsyncGraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")

    async def read(self, statement: dict[str, Any]) -> list[dict[str, Any]]:
        """The statement's rows; a session whose read failed is closed, not kept."""
        assert self.driver is not None
        session = self.idle.pop() if self.idle else self.driver.session(default_access_mode=READ_ACCESS)
        try:
            result = await session.run(statement["text"], statement["params"])
            rows = [dict(zip(record.keys(), record, strict=True)) async for record in result]
        except BaseException:
            await session.close()
            raise
        self.idle.append(session)
        return rows

    async def graphql(self, request: Request) -> Response:
        orjson.loads(await request.body())
        if self.statement is None:
            return Response(FIXED, media_type="application/json")
        rows = await self.read(self.statement)
        body = {"data": {"artifact": rows[0]["result"] if rows else None}}
        return Response(orjson.dumps(body, default=str), media_type="application/json")

    async def close(self) -> None:
        for session in self.idle:
            await session.close()
        if self.driver is not None:
            await self.driver.close()


floor = Floor()


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        await floor.close()


app = Starlette(
    routes=[
        Route("/graphql", floor.graphql, methods=["POST"]),
        Route("/healthz", lambda request: Response(b"ok"), methods=["GET"]),
    ],
    lifespan=lifespan,
)
