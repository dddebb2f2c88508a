"""`stemma serve`: uvicorn with one worker process, or N on one port that share rate limits and key changes
through a file in a directory made for them (server/shared.py) and removed when they stop."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from server.middleware import HTTPMiddleware
from server.settings import Settings
from server.shared import SharedState

WORKER_HEADER = b"x-stemma-worker"


def serve(settings: Settings) -> None:
    """Serve until stopped. Workers are spawned processes that read their settings from the environment:
    whatever was given otherwise (flags) must be in it already."""
    options: dict[str, Any] = {
        "access_log": settings.access_log,
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "timeout_graceful_shutdown": 30,
    }
    if settings.workers == 1:
        uvicorn.run(serving_app(settings), **options)
        return
    # tmpfs where there is one: the table is memory that never needs to reach a disk.
    directory = Path(tempfile.mkdtemp(prefix="stemma-workers-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        SharedState.create(directory)
        os.environ["STEMMA_WORKERS_DIR"] = str(directory)
        uvicorn.run("server.workers:worker_app", factory=True, workers=settings.workers, **options)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def worker_app() -> Starlette:
    """One worker process's app (uvicorn calls this in each), from the environment its parent prepared."""
    configure_logging()
    return serving_app(Settings())


def serving_app(settings: Settings) -> Starlette:
    from server.app import create_app

    app = create_app(settings)
    if settings.worker_header:
        app.add_middleware(WorkerHeaderMiddleware)
    return app


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class WorkerHeaderMiddleware(HTTPMiddleware):
    """Every response names the process that served it (only with the `worker_header` setting)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = (WORKER_HEADER, str(os.getpid()).encode())

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, named)
