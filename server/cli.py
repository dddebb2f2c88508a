"""The `stemma` command: serve the API, run the local Neo4j, and ask the graph from a terminal."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console

from cypher.executor import Executor
from cypher.migrate import migrate
from neo4j_local.launcher import LocalNeo4jError
from server.settings import Settings

app = typer.Typer(help="Stemma: an artifact registry with lineage, on Neo4j.", no_args_is_help=True)
db = typer.Typer(help="The local Neo4j (used when STEMMA_NEO4J_URI is not set).", no_args_is_help=True)
app.add_typer(db, name="db")
console = Console(stderr=True)

HostOption = Annotated[str | None, typer.Option(help="Interface to bind [env STEMMA_HOST].")]
PortOption = Annotated[int | None, typer.Option(help="Port to serve on [env STEMMA_PORT].")]
UriOption = Annotated[str | None, typer.Option(help="bolt:// or neo4j:// URI [env STEMMA_NEO4J_URI].")]
UserOption = Annotated[str | None, typer.Option(help="Neo4j user [env STEMMA_NEO4J_USER].")]
PasswordOption = Annotated[str | None, typer.Option(help="Neo4j password [env STEMMA_NEO4J_PASSWORD].")]
DatabaseOption = Annotated[str | None, typer.Option(help="Neo4j database [env STEMMA_NEO4J_DATABASE].")]


def load_settings(**flags: Any) -> Settings:
    """Environment first, then any flag given on the command line."""
    return Settings(**{name: value for name, value in flags.items() if value is not None})


def ensure_neo4j(settings: Settings) -> None:
    """Start the local Neo4j unless an external one is configured."""
    if settings.neo4j_uri:
        return
    local = settings.local_neo4j
    try:
        if local.ensure_jars():
            console.print(f"fetched Neo4j's jars into {local.lib_dir}")
        started = local.start()
    except LocalNeo4jError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Neo4j {'started' if started else 'already running'} at {local.uri}")


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
    neo4j_uri: UriOption = None,
    neo4j_user: UserOption = None,
    neo4j_password: PasswordOption = None,
    neo4j_database: DatabaseOption = None,
) -> None:
    """Serve GraphQL (/graphql), files, health (/healthz), metrics and the lineage page."""
    from server.app import create_app

    settings = load_settings(
        host=host,
        port=port,
        neo4j_uri=neo4j_uri,
        neo4j_user=neo4j_user,
        neo4j_password=neo4j_password,
        neo4j_database=neo4j_database,
    )
    ensure_neo4j(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console.print(f"Stemma on http://{settings.host}:{settings.port}  (GraphQL: /graphql, health: /healthz)")
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=30
    )


@db.command("start")
def db_start() -> None:
    """Start the local Neo4j in the background (reused when already running)."""
    settings = load_settings()
    if settings.neo4j_uri:
        console.print(f"STEMMA_NEO4J_URI is set ({settings.neo4j_uri}); the local Neo4j is not used")
        raise typer.Exit(1)
    ensure_neo4j(settings)


@db.command("stop")
def db_stop() -> None:
    """Stop the local Neo4j gracefully (its data is checkpointed to disk)."""
    local = load_settings().local_neo4j
    try:
        stopped = local.stop()
    except LocalNeo4jError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print("Neo4j stopped" if stopped else "Neo4j was not running")


@db.command("status")
def db_status() -> None:
    """Say whether the local Neo4j runs and answers on Bolt; exit 1 when it does not."""
    local = load_settings().local_neo4j
    pid = local.running_pid()
    answers = local.bolt_answers()
    console.print(f"local Neo4j: pid {pid or '-'}, bolt {local.uri} {'answers' if answers else 'does not answer'}")
    console.print(f"home: {local.home}")
    if not (pid and answers):
        raise typer.Exit(1)


@db.command("migrate")
def db_migrate(neo4j_uri: UriOption = None) -> None:
    """Apply the graph's constraints and indexes (idempotent)."""
    settings = load_settings(neo4j_uri=neo4j_uri)
    ensure_neo4j(settings)
    applied = asyncio.run(_migrate(settings))
    console.print(f"applied: {', '.join(applied)}" if applied else "already up to date")


async def _migrate(settings: Settings) -> list[str]:
    async with settings.async_driver() as driver:
        return await migrate(Executor(driver, settings.neo4j_database))


def main() -> None:
    app()
