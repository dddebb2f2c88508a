"""The URLs the `wandb` client puts and fetches without credentials, signed by the server (artifacts.Signer):

- `PUT /wandb/uploads/{upload}/{md5 hex}`: a file of an artifact being saved, checked against its MD5, stored by
  its sha256 and recorded as its uploader's own (as a PUT to /files/sha256/DIGEST is);
- `PUT /wandb/uploads/{upload}/manifest`: that artifact's manifest;
- `GET /wandb/blobs/{sha256}`: stored content, the URL handed out only after the same visibility check as
  Stemma's own download.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cypher.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from cypher.executor import Statement, WriteTransaction
from cypher.named import named
from schema.service import Caller
from server.blobs import check_digest
from server.files import serve_blob
from server.state import services
from server.wandb_compat.artifacts import SIGNER, manifest_contents

MANIFEST = "manifest"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # kept in the graph until the commit
_MD5_HEX = re.compile(r"[0-9a-f]{32}")
CHUNK = 1024 * 1024


async def _signed(request: Request) -> None:
    executor = services(request).graph.executor
    query = request.query_params
    if not await SIGNER.check(executor, request.url.path, query.get("expires"), query.get("signature")):
        raise Forbidden("this URL is not signed by this server, or it has expired; ask for a new one")


async def _spool(request: Request, limit: int, into: IO[bytes]) -> tuple[str, str, int]:
    """Read the body into `into`; its sha256 and MD5 (hex) and size."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than the upload limit of {limit} bytes")
        sha256.update(chunk)
        md5.update(chunk)
        into.write(chunk)
    return sha256.hexdigest(), md5.hexdigest(), size


async def _chunks(source: IO[bytes]) -> AsyncIterator[bytes]:
    source.seek(0)
    while chunk := source.read(CHUNK):
        yield chunk


async def put_upload(request: Request) -> Response:
    await _signed(request)
    running = services(request)
    upload, name = request.path_params["upload"], request.path_params["name"]
    if name != MANIFEST and not _MD5_HEX.fullmatch(name):
        raise InvalidInput("name: an upload URL ends in the file's MD5 (hex) or `manifest`", field="name")
    if not await running.graph.executor.read(Statement(named("wandb_upload_open"), {"upload": upload})):
        raise NotFound("no artifact is being saved with this upload: it was committed, or never started")
    limit = MAX_MANIFEST_BYTES if name == MANIFEST else running.settings.max_upload_bytes
    with tempfile.SpooledTemporaryFile(max_size=CHUNK) as body:
        sha256, md5, size = await _spool(request, limit, body)
        if name != MANIFEST and md5 != name:
            raise InvalidInput(f"body: its MD5 is {md5}, not the {name} this URL was given for", field="body")
        text = None
        if name == MANIFEST:
            body.seek(0)
            raw = body.read()
            manifest_contents(raw)  # a manifest the commit can read, or refused now
            text = raw.decode()
        await running.blobs.put(sha256, _chunks(body), limit)

    async def record(tx: WriteTransaction) -> str | None:
        if text is not None:
            params = {"upload": upload, "sha256": sha256, "text": text}
            rows = await tx.run(Statement(named("wandb_upload_manifest"), params))
        else:
            params = {"upload": upload, "md5": md5, "sha256": sha256, "size": size}
            rows = await tx.run(Statement(named("wandb_upload_file"), params))
        return str(rows[0]["user"]) if rows else None

    user = await running.graph.executor.write(record)
    if user is None:
        raise NotFound("no artifact is being saved with this upload: it was committed, or never started")
    await running.graph.record_upload(sha256, Caller(user=user))
    return JSONResponse({"sha256": sha256, "size": size})


async def get_blob(request: Request) -> Response:
    await _signed(request)
    digest = check_digest(request.path_params["digest"])
    blobs = services(request).blobs
    return await serve_blob(blobs, digest, await blobs.size(digest))
