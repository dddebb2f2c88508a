"""Request bodies: every route has a size limit and a read timeout, enforced as the body arrives.

A body announced larger than its route's limit is refused before any of it is read; one that
streams past the limit, or stops arriving, is refused as soon as that happens. Either way the
connection is closed, so the rest of the body is never read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cypher.errors import PayloadTooLarge, RequestTimeout, StemmaError
from server.errors import GRAPHQL_PATH, error_response
from server.middleware import HTTPMiddleware

CLOSE = {"connection": "close"}
FILE_STREAM_BYTES = 16 * 1024 * 1024  # the wandb client sends at most about 10 MiB of lines a request


class BodyRefused(Exception):
    """The body broke its route's rule (`error` says which); not a StemmaError, so that no handler inside the
    app answers it: the middleware does, and closes the connection."""

    def __init__(self, error: StemmaError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class BodyRule:
    """One route's limit; `per_part` bounds each wait (uploads) instead of the whole body."""

    max_bytes: int
    limit_name: str
    per_part: bool = False


@dataclass(frozen=True)
class BodyLimits:
    """The limits from settings: GraphQL requests (and OpenLineage events), file uploads, bundles to import, and
    everything else (the login form)."""

    graphql_bytes: int
    upload_bytes: int
    import_bytes: int
    form_bytes: int
    timeout_seconds: float

    def rule(self, scope: Scope) -> BodyRule:
        path, method = scope["path"], scope["method"]
        if path in ("/graphql", "/wandb/graphql"):
            return BodyRule(self.graphql_bytes, "the limit")
        if path.startswith("/wandb/files/"):  # the wandb client's file stream: history and summary lines
            return BodyRule(FILE_STREAM_BYTES, f"the limit for {method} /wandb/files/…/file_stream")
        if path == "/api/v1/lineage":  # OpenLineage events, uncompressed unless the client is told otherwise
            return BodyRule(self.graphql_bytes, f"the limit for {method} {path}")
        if path == "/api/v1/import":  # a project's bundle (stemma import)
            return BodyRule(self.import_bytes, f"the limit for {method} {path}")
        if method == "PUT" and path.startswith(("/files/", "/wandb/uploads/")):
            return BodyRule(self.upload_bytes, "the upload limit", per_part=True)
        return BodyRule(self.form_bytes, f"the limit for {method} {path}")


def too_large(scope: Scope, rule: BodyRule) -> PayloadTooLarge:
    if scope["path"] == GRAPHQL_PATH:
        message = f"the request body is larger than {rule.limit_name} of {rule.max_bytes} bytes"
        return PayloadTooLarge(message, limit=rule.max_bytes)
    return PayloadTooLarge(f"the body is larger than {rule.limit_name} of {rule.max_bytes} bytes", limit=rule.max_bytes)


class BodyReader:
    """The app's `receive`, counting body bytes and bounding each wait for them."""

    def __init__(self, receive: Receive, scope: Scope, rule: BodyRule, timeout: float) -> None:
        self._receive = receive
        self.scope = scope
        self.rule = rule
        self.timeout = timeout
        self.size = 0
        self.complete = False
        self.deadline: float | None = None

    async def __call__(self) -> Message:
        if self.complete:
            return await self._receive()
        loop = asyncio.get_running_loop()
        if self.deadline is None and not self.rule.per_part:
            self.deadline = loop.time() + self.timeout
        wait = self.timeout if self.deadline is None else self.deadline - loop.time()
        try:
            async with asyncio.timeout(max(wait, 0)):
                message = await self._receive()
        except TimeoutError as exc:
            late = f"the request body did not arrive within the read timeout of {self.timeout:g} s"
            raise BodyRefused(RequestTimeout(f"{late}; the connection is closed")) from exc
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.rule.max_bytes:
                raise BodyRefused(too_large(self.scope, self.rule))
            self.complete = not message.get("more_body", False)
        return message


class BodyLimitMiddleware(HTTPMiddleware):
    """Applies each route's body rule; a refusal after the response started just drops the connection."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        super().__init__(app)
        self.limits = limits

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.limits.rule(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > rule.max_bytes:
            await error_response(scope["path"], too_large(scope, rule), CLOSE)(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, BodyReader(receive, scope, rule, self.limits.timeout_seconds), watch)
        except BodyRefused as refused:
            if started:
                raise
            await error_response(scope["path"], refused.error, CLOSE)(scope, receive, send)
