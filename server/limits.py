"""Request bodies: every route has a size limit and a read timeout, enforced as the body arrives.

A body announced larger than its route's limit is refused before any of it is read; one that
streams past the limit, or stops arriving, is refused as soon as that happens. Either way the
connection is closed, so the rest of the body is never read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyRefused(Exception):
    """The body broke its route's rule; `response` says which."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class BodyRule:
    """One route's limit; `per_part` bounds each wait (uploads) instead of the whole body."""

    max_bytes: int
    limit_name: str
    per_part: bool = False


@dataclass(frozen=True)
class BodyLimits:
    """The limits from settings: GraphQL requests, file uploads, and everything else (the login form)."""

    graphql_bytes: int
    upload_bytes: int
    form_bytes: int
    timeout_seconds: float

    def rule(self, scope: Scope) -> BodyRule:
        path, method = scope["path"], scope["method"]
        if path == "/graphql":
            return BodyRule(self.graphql_bytes, "the limit")
        if method == "PUT" and path.startswith("/files/"):
            return BodyRule(self.upload_bytes, "the upload limit", per_part=True)
        return BodyRule(self.form_bytes, f"the limit for {method} {path}")


def refusal(scope: Scope, status: int, code: str, message: str, limit: int | None = None) -> Response:
    """A GraphQL error on /graphql, a JSON error elsewhere; the connection closes after it."""
    headers = {"connection": "close"}
    if scope["path"] == "/graphql":
        extensions: dict[str, object] = {"code": code}
        if limit is not None:
            extensions["limit"] = limit
        return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status, headers)
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers)


def too_large(scope: Scope, rule: BodyRule) -> Response:
    noun = "the request body" if scope["path"] == "/graphql" else "the body"
    message = f"{noun} is larger than {rule.limit_name} of {rule.max_bytes} bytes"
    return refusal(scope, 413, "PAYLOAD_TOO_LARGE", message, rule.max_bytes)


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
            raise BodyRefused(refusal(self.scope, 408, "REQUEST_TIMEOUT", f"{late}; the connection is closed")) from exc
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.rule.max_bytes:
                raise BodyRefused(too_large(self.scope, self.rule))
            self.complete = not message.get("more_body", False)
        return message


class BodyLimitMiddleware:
    """Applies each route's body rule; a refusal after the response started just drops the connection."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.limits.rule(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > rule.max_bytes:
            await too_large(scope, rule)(scope, receive, send)
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
            await refused.response(scope, receive, send)
