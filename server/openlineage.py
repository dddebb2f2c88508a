"""`POST /api/v1/lineage`: OpenLineage events, as the official clients' HTTP transport sends them (one event a
request, JSON, gzip or not, the API key as bearer token). cypher/openlineage.py says how an event maps.

Events are written into the caller's default entity (the one named like them, or their only writable one), or
into `?entity=NAME`. An event is written whole in one transaction or refused whole with the offending path.
"""

from __future__ import annotations

import zlib

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cypher.errors import InvalidInput, PayloadTooLarge
from cypher.executor import WriteTransaction
from cypher.jsonvalues import parse_json
from cypher.openlineage import check_event, record_event
from cypher.refs import check_name
from cypher.writes import Writer
from schema.accounts import default_entity
from schema.service import Caller
from server.state import services

MAX_DECODED = 8 * 1024 * 1024  # a gzip body's size once decoded


async def lineage_event(request: Request) -> JSONResponse:
    caller: Caller = request.state.caller
    named = request.query_params.get("entity")
    entity = check_name(named, "entity") if named is not None else default_entity(caller)
    if entity is None:
        raise InvalidInput(
            "entity: name the entity to write to with ?entity=NAME; this key's user has no default one (it may "
            "write to none, or to several and none is named like them)",
            field="entity",
        )
    body = _decoded(await request.body(), request.headers.get("content-encoding", ""))
    event = check_event(parse_json(body, "one OpenLineage event"), entity)

    async def write(tx: WriteTransaction) -> None:
        await record_event(Writer(tx, caller), event)

    await services(request).graph.executor.write(write)
    return JSONResponse({"event": event.kind, "run": event.run.id if event.run else None}, status_code=201)


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding.strip().lower() in ("", "identity"):
        return body
    if encoding.strip().lower() != "gzip":
        raise InvalidInput(f"Content-Encoding {encoding[:40]!r} is not supported: send gzip or none", field="body")
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        decoded = decoder.decompress(body, MAX_DECODED)
    except zlib.error:
        raise InvalidInput("the body is not valid gzip", field="body") from None
    if decoder.unconsumed_tail:
        raise PayloadTooLarge(f"the body decodes to more than {MAX_DECODED} bytes")
    return decoded


routes = [Route("/api/v1/lineage", lineage_event, methods=["POST"])]
