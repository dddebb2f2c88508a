"""`/files/sha256/{digest}`: PUT stores content checked against its digest, HEAD says whether it is
there, GET streams it."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from cypher.access import Caller
from cypher.errors import Forbidden, StemmaError
from cypher.executor import Statement
from cypher.named import named
from cypher.reads import file_readable
from server.blobs import BlobStore, TooLarge, check_digest
from server.errors import error_response


def _store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


MAX_UPLOADS_PER_USER = 8
_uploading: Counter[str] = Counter()


async def put_file(request: Request) -> Response:
    """Store content. Only those who may write somewhere upload (viewers only read), and a user has at most
    `MAX_UPLOADS_PER_USER` uploads open at once on this server, so slow bodies cannot pile up."""
    caller: Caller = request.state.caller
    if not caller.superuser and not {"member", "admin"} & set(caller.roles.values()):
        return error_response(Forbidden("uploading needs the member role in some entity; viewers only read"))
    if _uploading[caller.user] >= MAX_UPLOADS_PER_USER:
        message = f"at most {MAX_UPLOADS_PER_USER} uploads at once per user; wait for one to finish"
        return JSONResponse(
            {"error": {"code": "RATE_LIMITED", "message": message, "limit": MAX_UPLOADS_PER_USER}},
            status_code=429,
            headers={"retry-after": "1"},
        )
    _uploading[caller.user] += 1
    try:
        return await _put_file(request)
    finally:
        _uploading[caller.user] -= 1
        if not _uploading[caller.user]:
            del _uploading[caller.user]


async def _put_file(request: Request) -> Response:
    try:
        digest = check_digest(request.path_params["digest"])
        limit: int = request.app.state.settings.max_upload_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"the body is larger than the upload limit of {limit} bytes")
        await _store(request).put(digest, request.stream(), limit)
        created = await record_upload(request, digest)
    except StemmaError as exc:
        return error_response(exc)
    except TooLarge as exc:
        return JSONResponse({"error": {"code": "PAYLOAD_TOO_LARGE", "message": str(exc)}}, status_code=413)
    return JSONResponse({"digest": digest, "created": created}, status_code=201 if created else 200)


async def record_upload(request: Request, digest: str) -> bool:
    """Remember that the caller holds this content; True when they had not uploaded it before (so the
    answer says nothing of whether someone else had)."""
    caller: Caller = request.state.caller
    statement = Statement(named("record_upload"), {"digest": digest, "caller": caller.param()})
    rows = await request.app.state.executor.write(lambda tx: tx.run(statement))
    return bool(rows and rows[0]["created"])


async def readable(request: Request, digest: str) -> bool:
    """Content is served to those who may see a version holding it (superusers: all); to anyone
    else it does not exist. Uploading needs a writing role somewhere; an upload is what lets its uploader
    name the content in a manifest."""
    caller: Caller = request.state.caller
    if caller.superuser:
        return await _store(request).has(digest)
    rows = await request.app.state.executor.read(file_readable(digest, caller.param()))
    return bool(rows) and await _store(request).has(digest)


async def head_file(request: Request) -> Response:
    try:
        digest = check_digest(request.path_params["digest"])
        found = await readable(request, digest)
    except StemmaError as exc:
        return error_response(exc)
    store = _store(request)
    if not found:
        return Response(status_code=404)
    return Response(headers={"content-length": str(store.local_path(digest).stat().st_size)})


async def get_file(request: Request) -> Response:
    try:
        digest = check_digest(request.path_params["digest"])
        found = await readable(request, digest)
    except StemmaError as exc:
        return error_response(exc)
    store = _store(request)
    if not found:
        return JSONResponse(
            {"error": {"code": "NOT_FOUND", "message": f"no file has digest {digest}"}}, status_code=404
        )
    return FileResponse(store.local_path(digest), media_type="application/octet-stream")


async def file_route(request: Request) -> Response:
    if request.method == "PUT":
        return await put_file(request)
    if request.method == "HEAD":
        return await head_file(request)
    return await get_file(request)


routes = [Route("/files/sha256/{digest}", file_route, methods=["GET", "HEAD", "PUT"])]
