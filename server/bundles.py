"""`GET /api/v1/export?project=ENTITY/PROJECT` answers a project's bundle (cypher/bundle.py; `ENTITY/registry-NAME`
a registry's), the file contents fetched from /files/sha256/DIGEST beside it, and `POST /api/v1/import?entity=NAME`
rebuilds one in an entity the caller administers. `stemma export` and `stemma import` pack and unpack both in one
tar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cypher.access import Caller
from cypher.bundle import Bundle, export_project, export_registry, import_bundle
from cypher.errors import InvalidInput
from cypher.executor import Executor, WriteTransaction
from cypher.jsonvalues import parse_json
from cypher.refs import REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX, check_name, check_project
from cypher.writes import Writer
from schema.bundles import check_bundle, check_content
from schema.context import FileStore
from server.state import services


@dataclass(frozen=True)
class _Holder:
    caller: Caller
    executor: Executor
    files: FileStore


def _checked(body: bytes, entity: str) -> Bundle:
    return check_bundle(parse_json(body, "one bundle, as stemma export writes it"), entity)


async def export(request: Request) -> JSONResponse:
    caller: Caller = request.state.caller
    named = request.query_params.get("project")
    if named is None or named.count("/") != 1:
        raise InvalidInput("project: name the project to export with ?project=ENTITY/PROJECT", field="project")
    entity, project = named.split("/")
    check_name(entity, "project (entity)")
    executor = services(request).graph.executor
    if project.startswith((REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX)):
        registry = check_name(project.split("registry-", 1)[1], "project (registry)")
        return JSONResponse(await export_registry(executor, caller.param(), entity, registry))
    check_project(project, "project (project)")
    bundle = await export_project(executor, caller.param(), entity, project)
    return JSONResponse(bundle)


async def import_(request: Request) -> JSONResponse:
    caller: Caller = request.state.caller
    named = request.query_params.get("entity")
    if named is None:
        raise InvalidInput("entity: name the entity to import into with ?entity=NAME", field="entity")
    entity = check_name(named, "entity")
    caller.require(entity, "admin", "entity")  # roles first: a refusal must not depend on the body
    body = await request.body()
    bundle = await run_in_threadpool(_checked, body, entity)  # tens of MiB take seconds: not on the event loop
    running = services(request)
    await check_content(_Holder(caller, running.graph.executor, running.blobs), bundle)

    async def write(tx: WriteTransaction) -> Any:
        return await import_bundle(Writer(tx, caller), bundle)

    counts = await running.graph.executor.write(write, timeout=running.settings.import_timeout_seconds)
    return JSONResponse(
        {
            "entity": entity,
            "project": bundle.project,
            "registry": _registry_of(bundle),
            "created": {"runs": counts.runs, "versions": counts.versions, "edges": counts.edges, "links": counts.links},
            "kept": counts.kept,
        }
    )


def _registry_of(bundle: Bundle) -> str | None:
    """The registry a registry's bundle rebuilt (its collections all name it)."""
    return bundle.registries[0].registry if bundle.project is None and bundle.registries else None


routes = [
    Route("/api/v1/export", export, methods=["GET"]),
    Route("/api/v1/import", import_, methods=["POST"]),
]
