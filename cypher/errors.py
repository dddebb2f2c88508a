"""Client-facing errors: each carries a stable code, its HTTP status, and names the bad input.

One family for every layer: the executor raises them for Neo4j's failures, the compiler and resolvers for bad
requests, the server for refused requests; the server's exception handlers and the schema's error formatting
are the only places that turn them into answers."""

from __future__ import annotations

from typing import Any, ClassVar


class StemmaError(Exception):
    """Base of every error a client may see; `extensions` reaches the answer, `status` and `retry_after`
    (seconds, or None) its HTTP head. A subclass names its code, status and default Retry-After."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    status: ClassVar[int] = 500
    default_retry_after: ClassVar[int | None] = None

    def __init_subclass__(
        cls, *, code: str | None = None, status: int | None = None, retry_after: int | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = code or cls.code
        cls.status = status or cls.status
        cls.default_retry_after = retry_after or cls.default_retry_after

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: int | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        self.retry_after = self.default_retry_after if retry_after is None else retry_after

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        extensions.update(self.details)
        return extensions


class InvalidInput(StemmaError, code="BAD_USER_INPUT", status=400): ...


class Unauthenticated(StemmaError, code="UNAUTHENTICATED", status=401): ...


class Forbidden(StemmaError, code="FORBIDDEN", status=403): ...


class NotFound(StemmaError, code="NOT_FOUND", status=404): ...


class MethodNotAllowed(StemmaError, code="METHOD_NOT_ALLOWED", status=405): ...


class NotAcceptable(StemmaError, code="NOT_ACCEPTABLE", status=406): ...


class RequestTimeout(StemmaError, code="REQUEST_TIMEOUT", status=408):
    """The request's body stopped arriving."""


class Conflict(StemmaError, code="CONFLICT", status=409): ...


class PayloadTooLarge(StemmaError, code="PAYLOAD_TOO_LARGE", status=413): ...


class UnsupportedMediaType(StemmaError, code="UNSUPPORTED_MEDIA_TYPE", status=415): ...


class RateLimited(StemmaError, code="RATE_LIMITED", status=429, retry_after=1): ...


class Unavailable(StemmaError, code="UNAVAILABLE", status=503, retry_after=2): ...


class TimedOut(Unavailable):
    """A statement ran past its transaction's timeout."""
