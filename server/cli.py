"""The `stemma` command: serve the API, run the local Neo4j, and ask the graph from a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tarfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar

import httpx
import typer
from rich.console import Console
from stemma.client import GraphQLClient
from stemma.errors import StemmaError as StemmaSdkError
from stemma.errors import UsageError
from stemma.login import login as sdk_login
from stemma.settings import Settings as ClientSettings
from stemma.settings import config_path, read_config_file

if TYPE_CHECKING:  # the server's modules are imported by the commands that use them: a client command starts fast
    from schema.service import Graph
    from server.settings import Settings

app = typer.Typer(help="Stemma: an artifact registry with lineage, on Neo4j.", no_args_is_help=True)
db = typer.Typer(help="The local Neo4j (used when STEMMA_NEO4J_URI is not set).", no_args_is_help=True)
users = typer.Typer(help="People and roles (run on the server host; talks to Neo4j directly).", no_args_is_help=True)
keys = typer.Typer(help="API keys (run on the server host; talks to Neo4j directly).", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(users, name="users")
app.add_typer(keys, name="keys")
console = Console(stderr=True)
T = TypeVar("T")

HostOption = Annotated[str | None, typer.Option(help="Interface to bind [env STEMMA_HOST].")]
PortOption = Annotated[int | None, typer.Option(help="Port to serve on [env STEMMA_PORT].")]
UriOption = Annotated[str | None, typer.Option(help="bolt:// or neo4j:// URI [env STEMMA_NEO4J_URI].")]
UserOption = Annotated[str | None, typer.Option(help="Neo4j user [env STEMMA_NEO4J_USER].")]
PasswordOption = Annotated[str | None, typer.Option(help="Neo4j password [env STEMMA_NEO4J_PASSWORD].")]
KeyOption = Annotated[str, typer.Option(envvar="STEMMA_API_KEY", help="API key [env STEMMA_API_KEY].")]
DatabaseOption = Annotated[str | None, typer.Option(help="Neo4j database [env STEMMA_NEO4J_DATABASE].")]


def load_settings(**flags: Any) -> Settings:
    """Environment first, then any flag given on the command line."""
    from server.settings import Settings

    return Settings(**{name: value for name, value in flags.items() if value is not None})


def ensure_neo4j(settings: Settings) -> None:
    """Start the local Neo4j unless an external one is configured."""
    from neo4j_local.launcher import LocalNeo4jError

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
    console.print(
        f"Neo4j {'started' if started else 'already running'} at {local.uri} "
        f"(user neo4j, password in {local.password_file})"
    )


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
    neo4j_uri: UriOption = None,
    neo4j_user: UserOption = None,
    neo4j_password: PasswordOption = None,
    neo4j_database: DatabaseOption = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Server processes on the one port [env STEMMA_WORKERS].")
    ] = None,
) -> None:
    """Serve GraphQL (/graphql), files, health (/healthz), metrics and the lineage page."""
    from server.workers import configure_logging, serve

    flags = {
        "host": host,
        "port": port,
        "neo4j_uri": neo4j_uri,
        "neo4j_user": neo4j_user,
        "neo4j_password": neo4j_password,
        "neo4j_database": neo4j_database,
        "workers": workers,
    }
    settings = load_settings(**flags)
    # Worker processes read their settings from the environment: the flags go there too.
    os.environ.update({f"STEMMA_{name.upper()}": str(value) for name, value in flags.items() if value is not None})
    ensure_neo4j(settings)
    configure_logging()
    processes = f", {settings.workers} workers" if settings.workers > 1 else ""
    console.print(f"Stemma on http://{settings.host}:{settings.port}{processes}  (GraphQL: /graphql, health: /healthz)")
    serve(settings)


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
    from neo4j_local.launcher import LocalNeo4jError

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
    console.print(f"home: {local.home}; user neo4j, password in {local.password_file}")
    if not (pid and answers):
        raise typer.Exit(1)


@db.command("migrate")
def db_migrate(neo4j_uri: UriOption = None) -> None:
    """Apply the graph's constraints and indexes (idempotent)."""
    from schema.service import Graph

    settings = load_settings(neo4j_uri=neo4j_uri)
    ensure_neo4j(settings)
    applied = _on_graph(settings, Graph.migrate)
    console.print(f"applied: {', '.join(applied)}" if applied else "already up to date")


@app.command()
def lineage(
    ref: Annotated[str, typer.Argument(help="ENTITY/PROJECT/NAME:vN|ALIAS, a registry ref, or ENTITY/PROJECT/RUN_ID")],
    depth: Annotated[int, typer.Option(help="Edges from the root.")] = 2,
    cluster_threshold: Annotated[int, typer.Option(help="More runs or versions than this of one group collapse.")] = 5,
    direction: Annotated[str, typer.Option(help="up, down or both.")] = "both",
    format: Annotated[str, typer.Option("--format", help="json, dot, mermaid, graphml or openlineage.")] = "json",
    url: Annotated[str | None, typer.Option(help="The Stemma server [env STEMMA_BASE_URL, config file].")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key [env STEMMA_API_KEY, config file].")] = None,
) -> None:
    """Print the lineage of an artifact version or a run, asked of a running server."""
    from schema.lineage_formats import DIRECTIONS, FORMATS, QUERIES, QUERY
    from server.demo import bearer, refusal

    client = client_settings(url, api_key)
    url, api_key = client.base_url, client.api_key or ""
    if direction not in DIRECTIONS:
        console.print(f"[red]--direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}[/red]")
        raise typer.Exit(2)
    if format not in FORMATS:
        console.print(f"[red]--format must be one of {', '.join(FORMATS)}; got {format!r}[/red]")
        raise typer.Exit(2)
    variables = {"ref": ref, "direction": DIRECTIONS[direction], "depth": depth, "threshold": cluster_threshold}
    try:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": QUERIES.get(format, QUERY), "variables": variables},
            timeout=60,
            headers=bearer(api_key),
        )
    except httpx.TransportError as exc:
        console.print(f"[red]cannot reach Stemma at {url}: {exc}[/red]")
        raise typer.Exit(1) from exc
    body = response.json()
    if body.get("errors"):
        console.print(f"[red]{refusal(body['errors'][0], bool(api_key))}[/red]", soft_wrap=True)
        raise typer.Exit(1)
    typer.echo(FORMATS[format](body["data"]["lineage"]))


UrlOption = Annotated[str | None, typer.Option(help="The Stemma server [env STEMMA_BASE_URL, config file].")]
ApiKeyOption = Annotated[str | None, typer.Option(help="API key [env STEMMA_API_KEY, config file].")]


@app.command("export")
def export_project(
    project: Annotated[str, typer.Argument(help="ENTITY/PROJECT, or ENTITY/registry-NAME for a registry")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The bundle file; standard output if left out.")
    ] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Write a project's bundle: its runs, versions, aliases, lineage edges and registry links with their times,
    and every content its versions store, once (a gzipped tar). `stemma import` rebuilds it on any server. A
    registry's bundle holds its collections and links, naming versions by reference: import their projects first."""
    from server.bundle_files import write_bundle

    if output is None and sys.stdout.isatty():
        console.print("[red]the bundle is binary: name a file with --output, or redirect standard output[/red]")
        raise typer.Exit(2)
    with contextlib.closing(GraphQLClient(client_settings(url, api_key))) as client:
        try:
            with output.open("wb") if output else _stdout() as out:
                bundle = write_bundle(client, project, out)
        except StemmaSdkError as exc:
            if output is not None:
                output.unlink(missing_ok=True)
            console.print(f"[red]{exc}[/red]", soft_wrap=True)
            raise typer.Exit(1) from exc
    versions = sum(len(c["versions"]) for c in bundle["collections"])
    console.print(
        f"{project}: {len(bundle['runs'])} runs, {versions} versions, {len(bundle['edges'])} lineage edges, "
        f"{sum(len(r['links']) for r in bundle['registries'])} registry links, {len(bundle['files'])} files"
        + (
            f"; {bundle['hiddenEdges']} edges to versions you may not see are left out" if bundle["hiddenEdges"] else ""
        ),
        soft_wrap=True,
    )


@app.command("import")
def import_bundle(
    bundle: Annotated[
        str,
        typer.Argument(
            help="A bundle from stemma export; - reads standard input; mlflow imports an MLflow experiment instead."
        ),
    ],
    into: Annotated[
        str | None,
        typer.Option(
            help="The entity to rebuild the project in (you need its admin role); for mlflow, STEMMA_ENTITY or "
            "your key's default entity when left out."
        ),
    ] = None,
    tracking_uri: Annotated[
        str | None, typer.Option(help="mlflow: the tracking store (http(s)://, sqlite:///FILE, a folder).")
    ] = None,
    experiment: Annotated[str | None, typer.Option(help="mlflow: the experiment's name.")] = None,
    project: Annotated[
        str | None, typer.Option(help="mlflow: the project to import into [default: the experiment's name].")
    ] = None,
    registry: Annotated[str, typer.Option(help="mlflow: the registry registered models are linked into.")] = "model",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Rebuild a project from its bundle in an entity: the same runs, version numbers, digests, aliases, lineage
    and registry links, with their times. Importing it again changes nothing. `stemma import mlflow
    --tracking-uri URI --experiment NAME --into ENTITY` brings an MLflow experiment's runs, datasets, logged
    models and registered versions the same way (README, "Importing from MLflow")."""
    import tempfile

    from stemma.api import default_entity

    from server.bundle_files import read_bundle, send_bundle

    from_mlflow = bundle == "mlflow"
    if from_mlflow != (tracking_uri is not None and experiment is not None) or (project and not from_mlflow):
        console.print(
            "[red]--tracking-uri and --experiment go with `stemma import mlflow` (both needed), --project too; "
            "a bundle file named mlflow is ./mlflow[/red]",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if into is None and not from_mlflow:
        console.print("[red]--into: name the entity to import the bundle into[/red]", soft_wrap=True)
        raise typer.Exit(2)
    notes: list[str] = []
    settings = client_settings(url, api_key)
    with contextlib.closing(GraphQLClient(settings)) as client, tempfile.TemporaryDirectory() as folder:
        try:
            into = into or settings.entity or default_entity(client)
            if into is None:
                raise UsageError("--into: your key's user has no default entity; name one")
            if tracking_uri is not None and experiment is not None:  # stemma import mlflow
                from server.mlflow_import import read_experiment

                converted = read_experiment(tracking_uri, experiment, into, project, registry, Path(folder))
                read, files, notes = converted.bundle, converted.files, converted.notes
            else:
                with sys.stdin.buffer if bundle == "-" else Path(bundle).open("rb") as source:
                    read, files = read_bundle(source, Path(folder))
            answer = send_bundle(client, read, files, into)
        except StemmaSdkError as exc:
            console.print(f"[red]{exc}[/red]", soft_wrap=True)
            raise typer.Exit(1) from exc
        except (OSError, tarfile.TarError, ValueError) as exc:
            source = f"the MLflow store {tracking_uri}" if from_mlflow else f"the bundle {bundle}"
            console.print(f"[red]cannot read {source}: {exc}[/red]", soft_wrap=True)
            raise typer.Exit(1) from exc
    made, kept = answer["created"], answer["kept"]
    place = answer["project"] or f"registry-{answer['registry']}"
    for note in notes:
        console.print(f"note: {note}", soft_wrap=True)
    console.print(
        f"{answer['entity']}/{place}: created {made['runs']} runs, {made['versions']} versions, "
        f"{made['edges']} lineage edges, {made['links']} registry links; already there: {kept['runs']} runs, "
        f"{kept['versions']} versions, {kept['edges']} edges, {kept['links']} links",
        soft_wrap=True,
    )


@contextlib.contextmanager
def _stdout() -> Iterator[IO[bytes]]:
    yield sys.stdout.buffer
    sys.stdout.buffer.flush()


def client_settings(url: str | None, api_key: str | None) -> ClientSettings:
    """The server and key a client command uses: the flag, else STEMMA_BASE_URL / STEMMA_API_KEY, else the
    config file `stemma login` writes (the SDK's settings)."""
    try:
        settings = ClientSettings.resolve(base_url=url, api_key=api_key)
        kept = read_config_file(config_path(os.environ))
    except UsageError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    from_file = api_key is None and not os.environ.get("STEMMA_API_KEY") and settings.api_key == kept.get("api_key")
    if from_file and str(kept.get("base_url", "")).rstrip("/") != settings.base_url:
        return replace(settings, api_key=None)  # the file's key belongs to the file's server, not to another
    return settings


@app.command()
def login(
    key: Annotated[str | None, typer.Argument(help="The API key; asked for when left out.")] = None,
    host: Annotated[str | None, typer.Option(help="The Stemma server's address, kept with the key.")] = None,
) -> None:
    """Keep an API key (and the server's address) for the SDK and this command, in the config file
    (STEMMA_CONFIG, default ~/.config/stemma/config.toml, readable only by you), once the server accepts it.
    Without KEY it is read from standard input when that is not a terminal (`stemma login < key-file`), so
    the key need not appear in the process list or the shell's history."""
    if key is None and not sys.stdin.isatty():
        key = sys.stdin.readline()
    try:
        sdk_login(key=key, host=host, relogin=True)
    except StemmaSdkError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"the key is kept in {config_path(os.environ)}", soft_wrap=True)


@app.command()
def demo(
    url: Annotated[str, typer.Option(envvar="STEMMA_BASE_URL", help="The Stemma server.")] = "http://127.0.0.1:8000",
    hub_runs: Annotated[int, typer.Option(help="Extra runs that use the dataset (a wide fan-out).")] = 0,
    api_key: KeyOption = "",
) -> None:
    """Log the zoo example (W&B's lineage docs) into a running server, through its API."""
    from server.demo import DemoRefused, build_zoo

    try:
        refs = build_zoo(url, api_key, hub_runs=hub_runs)
    except httpx.TransportError as exc:
        console.print(f"[red]cannot reach Stemma at {url}: {exc}[/red]")
        raise typer.Exit(1) from exc
    except DemoRefused as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    for role, ref in refs.items():
        console.print(f"{role:9} {ref}")
    console.print(f"open {url}/lineage?ref={refs['model']}&depth=3&direction=BOTH", soft_wrap=True)


def _on_graph(settings: Settings, step: Callable[[Graph], Awaitable[T]]) -> T:
    """Run one step against the configured (or local) Neo4j; a refusal is printed and exits 1."""
    from cypher.errors import StemmaError
    from schema.service import Graph

    async def run() -> T:
        async with settings.async_driver() as driver:
            return await step(Graph(driver, settings.neo4j_database))

    try:
        return asyncio.run(run())
    except StemmaError as exc:
        console.print(f"[red]{exc.code}: {exc.message}[/red]")
        raise typer.Exit(1) from exc


def _accounts(step: Callable[[Graph], Awaitable[T]]) -> T:
    """Run an account change as the operator, on a migrated graph."""
    settings = load_settings()
    ensure_neo4j(settings)

    async def migrated(graph: Graph) -> T:
        await graph.migrate()
        return await step(graph)

    return _on_graph(settings, migrated)


@users.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    entity: Annotated[str | None, typer.Option(help="Entity to join (created when new).")] = None,
    role: Annotated[str, typer.Option(help="viewer, member or admin.")] = "member",
    superuser: Annotated[bool, typer.Option(help="A superuser sees and manages everything.")] = False,
) -> None:
    """Create a user (and the entity when new), give them a role, and print a new API key on the last line."""
    if entity is None and not superuser:
        console.print("[red]--entity is required (or --superuser)[/red]")
        raise typer.Exit(2)
    key = _accounts(lambda graph: graph.add_user(name, entity, role, superuser))
    console.print(f"user {name}" + (f", {role} of {entity}" if entity else "") + f"; key id {key.id} (shown once):")
    typer.echo(key.secret)


@users.command("list")
def users_list(entity: Annotated[str | None, typer.Option(help="Only members of this entity.")] = None) -> None:
    """Users with their roles and live key ids."""
    for row in _accounts(lambda graph: graph.users(entity)):
        roles = ", ".join(f"{r['role']} of {r['entity']}" for r in row["roles"]) or "-"
        flag = " (superuser)" if row["superuser"] else ""
        typer.echo(f"{row['user']}{flag}\t{roles}\tkeys: {', '.join(row['keys']) or '-'}")


@keys.command("create")
def keys_create(user: Annotated[str, typer.Argument(help="Whose key.")]) -> None:
    """Print a new API key for a user on the last line."""
    key = _accounts(lambda graph: graph.create_key(user))
    console.print(f"key id {key.id} for {user} (shown once):")
    typer.echo(key.secret)


KeyIdArgument = Annotated[str, typer.Argument(help="The key's id (k_...), as `stemma users list` shows.")]


@keys.command("revoke")
def keys_revoke(key_id: KeyIdArgument) -> None:
    """Revoke an API key; servers stop accepting it within seconds."""
    _accounts(lambda graph: graph.revoke_key(key_id))
    console.print(f"revoked {key_id}")


def main() -> None:
    app()
