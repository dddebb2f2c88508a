"""Errors the SDK raises: each carries the server's code and message, or says what went wrong locally."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StemmaError(Exception):
    """Base of every SDK error; `code` is the server's `extensions.code` or a local one."""

    code: str = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, extensions: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extensions: dict[str, Any] = dict(extensions or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class BadUserInput(StemmaError):
    code = "BAD_USER_INPUT"


class MissingFiles(BadUserInput):
    """The server refused a manifest naming files it does not hold; `missing` lists their digests."""

    @property
    def missing(self) -> list[str]:
        return [str(digest) for digest in self.extensions.get("missing", [])]


class NotFound(StemmaError):
    code = "NOT_FOUND"


class Conflict(StemmaError):
    code = "CONFLICT"


class Unauthenticated(StemmaError):
    code = "UNAUTHENTICATED"


class Forbidden(StemmaError):
    code = "FORBIDDEN"


class Unavailable(StemmaError):
    """The server (or its database) did not answer within the retry budget."""

    code = "UNAVAILABLE"


class PayloadTooLarge(StemmaError):
    code = "PAYLOAD_TOO_LARGE"


class InvalidRequest(StemmaError):
    """The server could not parse or validate the request: an SDK and server version mismatch."""

    code = "GRAPHQL_VALIDATION_FAILED"


class UsageError(StemmaError, ValueError):
    """The SDK was called in a way it cannot honour, e.g. reading the version of an unlogged artifact."""

    code = "USAGE"


class FileChanged(StemmaError):
    """A local file changed between being added to an artifact and being uploaded."""

    code = "FILE_CHANGED"


class DigestMismatch(StemmaError):
    """Downloaded content did not hash to the digest the manifest names; nothing was kept."""

    code = "DIGEST_MISMATCH"


class UnsafeManifest(StemmaError):
    """A manifest from the server names paths that cannot be written safely inside the download folder."""

    code = "UNSAFE_MANIFEST"


_BY_CODE: dict[str, type[StemmaError]] = {
    cls.code: cls
    for cls in (
        BadUserInput,
        NotFound,
        Conflict,
        Unauthenticated,
        Forbidden,
        Unavailable,
        PayloadTooLarge,
        InvalidRequest,
    )
}


def error_from_server(code: str | None, message: str, extensions: Mapping[str, Any] | None = None) -> StemmaError:
    """The typed error for a server answer's code; unknown codes keep their code on a plain StemmaError."""
    extensions = dict(extensions or {})
    field = extensions.get("field")
    field = field if isinstance(field, str) else None
    if code == BadUserInput.code and "missing" in extensions:
        return MissingFiles(message, field=field, extensions=extensions)
    cls = _BY_CODE.get(code or "")
    if cls is not None:
        return cls(message, field=field, extensions=extensions)
    error = StemmaError(message, field=field, extensions=extensions)
    if code:
        error.code = code
    return error
