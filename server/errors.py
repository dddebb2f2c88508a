"""HTTP answers for client errors outside GraphQL (file transfer, health): a code and a message."""

from __future__ import annotations

from starlette.responses import JSONResponse

from cypher.errors import StemmaError

STATUS = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "UNAVAILABLE": 503,
}


def error_response(exc: StemmaError) -> JSONResponse:
    body = {"error": {"message": exc.message, **exc.extensions}}
    headers = {"retry-after": "2"} if exc.code == "UNAVAILABLE" else None
    return JSONResponse(body, status_code=STATUS.get(exc.code, 500), headers=headers)
