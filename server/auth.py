"""API keys on every request (bearer header or the page's cookie), the login page, and a per-key rate limit.

Only /healthz and /login answer without a key. A key's caller is cached for a
couple of seconds, so a revoked key stops working within that time on every
replica (and at once on the replica that revoked it).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cypher.access import Caller
from cypher.accounts import authenticate, key_hash
from cypher.errors import StemmaError
from cypher.executor import Executor

COOKIE = "stemma_key"
OPEN_PATHS = {"/healthz", "/login"}
PAGE_PATHS = ("/", "/lineage", "/assets/")


@dataclass
class Authenticator:
    """Resolves keys to callers through Neo4j, remembering answers for `ttl` seconds."""

    executor: Executor
    ttl: float = 2.0
    _cache: dict[str, tuple[float, Caller | None]] = field(default_factory=dict)

    async def caller(self, secret: str) -> Caller | None:
        digest = key_hash(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        caller = await authenticate(self.executor, secret)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.ttl, caller)
        return caller

    def forget(self) -> None:
        """Drop every remembered key (after a revocation or a role change on this replica)."""
        self._cache.clear()


@dataclass
class RateLimiter:
    """A token bucket per key: `rate` requests a second, bursts up to `burst`."""

    rate: float
    burst: float
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def refusal(request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal in the shape the caller reads: a login page for pages, GraphQL errors, or a JSON error."""
    path = request.url.path
    if status == 401 and request.method == "GET" and (path == "/" or path.startswith(PAGE_PATHS[1:])):
        return login_page(request, message, status=401)
    if path == "/graphql":
        body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    else:
        body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


class AuthMiddleware:
    """Every request but /healthz and /login must carry a live key; the caller is put in `request.state`."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        secret = presented_key(request)
        if secret is None:
            message = "an API key is required: send 'Authorization: Bearer KEY'"
            await refusal(request, 401, "UNAUTHENTICATED", message)(scope, receive, send)
            return
        authenticator: Authenticator = request.app.state.authenticator
        try:
            caller = await authenticator.caller(secret)
        except StemmaError as exc:
            await refusal(request, 503, exc.code, exc.message, {"retry-after": "2"})(scope, receive, send)
            return
        if caller is None:
            await refusal(request, 401, "UNAUTHENTICATED", "the API key is unknown or revoked")(scope, receive, send)
            return
        if not self.limiter.allow(caller.key_id or caller.user):
            message = f"rate limit of {self.limiter.rate:g} requests per second per key exceeded; slow down"
            await refusal(request, 429, "RATE_LIMITED", message, {"retry-after": "1"})(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


LOGIN_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stemma — sign in</title>
<style>body{{font:16px system-ui;margin:4rem auto;max-width:28rem}}input{{width:100%;padding:.5rem}}
button{{margin-top:1rem;padding:.5rem 1rem}}.error{{color:#b00020}}</style></head>
<body><h1>Stemma</h1><p>Paste an API key (<code>stemma users add</code> prints one; <code>make run</code> prints the
first admin's).</p><p class="error" role="alert">{message}</p>
<form method="post" action="/login"><input type="hidden" name="next" value="{next}">
<label for="key">API key</label><input id="key" name="key" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button></form></body></html>"""


def login_page(request: Request, message: str = "", status: int = 200) -> HTMLResponse:
    target = request.query_params.get("next") or request.url.path
    if request.url.query and request.url.path != "/login":
        target += "?" + request.url.query
    return HTMLResponse(
        LOGIN_FORM.format(message=html.escape(message), next=html.escape(target, quote=True)), status_code=status
    )


async def login(request: Request) -> Response:
    """GET: the form. POST: check the key, keep it in an HttpOnly cookie, go back to the page."""
    if request.method == "GET":
        return login_page(request)
    fields = parse_qs((await request.body()).decode(errors="replace"))
    secret = (fields.get("key") or [""])[0].strip()
    target = (fields.get("next") or ["/"])[0]
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    authenticator: Authenticator = request.app.state.authenticator
    if not secret or await authenticator.caller(secret) is None:
        return login_page(request, "That key is unknown or revoked.", status=401)
    response = RedirectResponse(quote(target, safe="/?=&:%+,"), status_code=303)
    response.set_cookie(COOKIE, secret, httponly=True, samesite="strict", path="/", max_age=30 * 24 * 3600)
    return response
