"""Client-facing errors: each carries a stable GraphQL code and names the bad input."""

from __future__ import annotations

from typing import Any, ClassVar


class StemmaError(Exception):
    """Base of every error a client may see; `extensions` reaches the GraphQL response."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        extensions.update(self.details)
        return extensions


class InvalidInput(StemmaError):
    code = "BAD_USER_INPUT"


class NotFound(StemmaError):
    code = "NOT_FOUND"


class Conflict(StemmaError):
    code = "CONFLICT"


class Unauthenticated(StemmaError):
    code = "UNAUTHENTICATED"


class Forbidden(StemmaError):
    code = "FORBIDDEN"


class Unavailable(StemmaError):
    code = "UNAVAILABLE"
