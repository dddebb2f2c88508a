"""`/files/sha256/{digest}`: PUT stores content checked against its digest, HEAD says whether it is
there, GET streams it, or, from S3, redirects to a short-lived presigned URL of it."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cypher.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge, RateLimited
from cypher.jsonvalues import parse_json
from schema.service import Caller
from server.blobs import BlobStore, check_digest
from server.state import services

MAX_UPLOADS_PER_USER = 8
_uploading: Counter[str] = Counter()


def uploader(request: Request) -> Caller:
    """Only those who may write somewhere upload (viewers only read)."""
    caller: Caller = request.state.caller
    if not caller.superuser and not {"member", "admin"} & set(caller.roles.values()):
        raise Forbidden("uploading needs the member role in some entity; viewers only read")
    return caller


@contextlib.contextmanager
def one_upload(caller: Caller) -> Iterator[None]:
    """A user has at most `MAX_UPLOADS_PER_USER` uploads (PUT bodies, or direct uploads being checked) open at
    once on this server, so slow bodies and long checks cannot pile up."""
    if _uploading[caller.user] >= MAX_UPLOADS_PER_USER:
        message = f"at most {MAX_UPLOADS_PER_USER} uploads at once per user; wait for one to finish"
        raise RateLimited(message, limit=MAX_UPLOADS_PER_USER)
    _uploading[caller.user] += 1
    try:
        yield
    finally:
        _uploading[caller.user] -= 1
        if not _uploading[caller.user]:
            del _uploading[caller.user]


async def put_file(request: Request) -> Response:
    """Store content sent through the server."""
    caller = uploader(request)
    with one_upload(caller):
        return await _put_file(request, caller)


async def _put_file(request: Request, caller: Caller) -> Response:
    digest = check_digest(request.path_params["digest"])
    running = services(request)
    limit = running.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than the upload limit of {limit} bytes")
    await running.blobs.put(digest, request.stream(), limit)
    created = await running.graph.record_upload(digest, caller)
    return JSONResponse({"digest": digest, "created": created}, status_code=201 if created else 200)


async def offer_upload(request: Request) -> Response:
    """`POST /files/sha256/{digest}/upload` with `{"size": N}`: where to put the content without the server
    (S3: a presigned URL, its headers, the upload's id), or `{"url": null}`: PUT it to /files/sha256/{digest}."""
    caller = uploader(request)
    digest = check_digest(request.path_params["digest"])
    running = services(request)
    size = _declared_size(await _small_json(request), running.settings.max_upload_bytes)
    with one_upload(caller):  # presigning a large file's parts takes a while: at most eight at once a user
        offer = await running.blobs.upload_offer(digest, size, caller.user)
    return JSONResponse(offer or {"url": None})


async def finish_upload(request: Request) -> Response:
    """`POST /files/sha256/{digest}/upload/{upload}`: the content put at the offered URL is checked against the
    digest, kept, and recorded as the caller's upload, as a PUT would be."""
    caller = uploader(request)
    digest = check_digest(request.path_params["digest"])
    running = services(request)
    with one_upload(caller):
        upload, limit = request.path_params["upload"], running.settings.max_upload_bytes
        await running.blobs.finish_upload(digest, upload, limit, caller.user)
    created = await running.graph.record_upload(digest, caller)
    return JSONResponse({"digest": digest, "created": created}, status_code=201 if created else 200)


async def _small_json(request: Request) -> Any:
    return parse_json(await request.body(), '{"size": BYTES}', field="size")


def _declared_size(body: Any, limit: int) -> int:
    size = body.get("size") if isinstance(body, dict) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidInput("size must be the content's length in bytes, an integer of at least 0", field="size")
    if size > limit:
        raise PayloadTooLarge(f"size is larger than the upload limit of {limit} bytes")
    return size


async def readable(request: Request, digest: str) -> int | None:
    """The content's size, for those who may see a version holding it (superusers: all); to anyone
    else it does not exist. Uploading needs a writing role somewhere; an upload is what lets its uploader
    name the content in a manifest."""
    caller: Caller = request.state.caller
    running = services(request)
    if not caller.superuser and not await running.graph.file_readable(digest, caller):
        return None
    return await running.blobs.size(digest)


async def file_route(request: Request) -> Response:
    if request.method == "PUT":
        return await put_file(request)
    digest = check_digest(request.path_params["digest"])
    size = await readable(request, digest)
    if request.method == "HEAD":
        return Response(status_code=404) if size is None else Response(headers={"content-length": str(size)})
    return await serve_blob(services(request).blobs, digest, size)


async def serve_blob(blobs: BlobStore, digest: str, size: int | None) -> Response:
    """Stored content, streamed, or (S3) a redirect to a short-lived presigned URL of it: issued only after the
    caller's check, never cached, it expires."""
    if size is None:
        raise NotFound(f"no file has digest {digest}")
    direct = await blobs.direct_url(digest)
    if direct is not None:
        return RedirectResponse(direct, status_code=307, headers={"cache-control": "no-store"})
    return await blobs.response(digest, size)


routes = [
    Route("/files/sha256/{digest}", file_route, methods=["GET", "HEAD", "PUT"]),
    Route("/files/sha256/{digest}/upload", offer_upload, methods=["POST"]),
    Route("/files/sha256/{digest}/upload/{upload}", finish_upload, methods=["POST"]),
]
