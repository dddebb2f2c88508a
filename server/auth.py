"""API keys on every request (bearer header or the page's cookie), the login page, and rate limits.

Only /healthz, /login and /logout answer without a key (and the wandb client's URLs under
/wandb/uploads/ and /wandb/blobs/, which carry the server's signature instead). A key's caller is cached
for a couple of seconds; a change of keys or roles made through the API is seen at
once by every worker of the server that made it (server/shared.py), and by servers
on other hosts within that time. Failed authentications are throttled per client
address; writes signed by the cookie must come from the server's own pages (a
foreign Origin is refused).
"""

from __future__ import annotations

import base64
import binascii
import html
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from cypher.errors import Forbidden, RateLimited, StemmaError, Unauthenticated
from schema.service import Caller, Graph, key_hash
from server.errors import error_response
from server.graphiql import wants_graphiql
from server.middleware import HTTPMiddleware
from server.ratelimit import RateLimiter
from server.shared import SharedState
from server.state import services

COOKIE = "stemma_key"
OPEN_PATHS = {"/healthz", "/login", "/logout"}
# The `wandb` client probes for W&B's telemetry proxy without a key and sends none where it finds no route (404).
OPEN_PATHS |= {f"{prefix}/sdk/otel/v1/{kind}" for prefix in ("", "/wandb") for kind in ("metrics", "logs")}
PAGE_PATHS = ("/", "/lineage", "/assets/")
WANDB_PATHS = "/wandb/"
# URLs the `wandb` client puts and fetches without a key: each is signed by the server (server/wandb_compat).
SIGNED_PATHS = ("/wandb/uploads/", "/wandb/blobs/")
SAFE_METHODS = {"GET", "HEAD"}


class TooManyFailures(RateLimited):
    """The client address spent its failed authentications; it is refused without a look-up."""

    def __init__(self, address: str, failures: RateLimiter) -> None:
        super().__init__(
            f"too many failed authentications from {address}: the limit is {failures.rate:g} a second "
            f"after a burst of {failures.burst:g}; retry in {failures.retry_after} s",
            retry_after=failures.retry_after,
        )


@dataclass
class Authenticator:
    """Resolves keys to callers through Neo4j, remembering answers for `ttl` seconds, or until the keys
    generation in `shared` moves (a change of keys or roles through any worker of this server).

    Unknown keys spend their client address's `failures` budget; an address that spent it is
    answered without a look-up, except for keys remembered as good (so a flood of bad keys from
    an address does not lock out the good ones it just used)."""

    graph: Graph
    ttl: float = 2.0
    failures: RateLimiter = field(default_factory=lambda: RateLimiter(rate=1, burst=20, region="auth_failures"))
    shared: SharedState = field(default_factory=lambda: SharedState.attach(None))
    _cache: dict[str, tuple[float, Caller | None]] = field(default_factory=dict)
    _generation: int = 0

    async def caller_from(self, address: str, secret: str) -> Caller | None:
        """The key's caller, or None (one failure for `address`); raises TooManyFailures."""
        remembered = self._remembered(secret)
        if remembered is not None and remembered[1] is not None:
            return remembered[1]
        if not self.failures.available(address):
            raise TooManyFailures(address, self.failures)
        caller = remembered[1] if remembered is not None else await self.caller(secret)
        if caller is None:
            self.failures.spend(address)
        return caller

    async def caller(self, secret: str) -> Caller | None:
        remembered = self._remembered(secret)
        if remembered is not None:
            return remembered[1]
        asked_at = self.shared.keys_generation
        caller = await self.graph.authenticate(secret)
        # A change committed while Neo4j answered may not be in the answer: use it, but do not remember it.
        if self.shared.keys_generation == asked_at:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key_hash(secret)] = (time.monotonic() + self.ttl, caller)
        return caller

    def _remembered(self, secret: str) -> tuple[float, Caller | None] | None:
        generation = self.shared.keys_generation
        if generation != self._generation:
            self._cache.clear()
            self._generation = generation
        cached = self._cache.get(key_hash(secret))
        return cached if cached and cached[0] > time.monotonic() else None

    def forget(self) -> None:
        """Every worker drops every remembered key (after a revocation or a role change, once committed)."""
        self._cache.clear()
        self.shared.keys_changed()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_key(request: Request) -> str | None:
    """The key in the Authorization header: a bearer token, or under /wandb/ (the `wandb` client's API) HTTP
    basic auth with user `api` and the key as password, as that client sends it."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    if header.lower().startswith("basic ") and request.url.path.startswith(WANDB_PATHS):
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (password.strip() or None) if user == "api" else None
    return None


def presented_key(request: Request) -> str | None:
    return bearer_key(request) or request.cookies.get(COOKIE) or None


def own_origins(request: Request) -> set[str]:
    """This server's origin as the browser sees it (https too when cookies are marked Secure behind a proxy)."""
    host = request.headers.get("host", "").lower()
    origins = {f"{request.url.scheme}://{host}"}
    if services(request).settings.secure_cookies:
        origins.add(f"https://{host}")
    return origins


def sender_origin(request: Request) -> str | None:
    """The page a request comes from, by its Origin header, else its Referer's origin."""
    origin = request.headers.get("origin")
    if origin:
        return origin.lower()
    referer = urlsplit(request.headers.get("referer", ""))
    return f"{referer.scheme}://{referer.netloc}".lower() if referer.scheme and referer.netloc else None


def foreign_origin(request: Request, required: bool) -> str | None:
    """Why the request does not come from this server's pages, or None when it does (or, unless
    `required`, does not say where it comes from)."""
    sender = sender_origin(request)
    own = " or ".join(sorted(own_origins(request)))
    if sender is None:
        return (
            f"a write signed in by the page's cookie must say where it comes from: no Origin (expected {own})"
            if required
            else None
        )
    if sender in own_origins(request):
        return None
    return (
        f"Origin {sender} is not this server's ({own}): writes signed in by the page's cookie come only from its pages"
    )


def refusal(request: Request, error: StemmaError) -> Response:
    """A refusal in the shape the caller reads: the login page for a page asked without a key, a redirect to it
    for GraphiQL (whose address serves the API too), else the error."""
    path = request.url.path
    if isinstance(error, Unauthenticated) and request.method == "GET":
        if path == "/" or path.startswith(PAGE_PATHS[1:]):
            # A first visit has tried nothing yet: only a key that was sent and refused deserves an error.
            message = error.message if presented_key(request) is not None else ""
            return login_page(request, message, status=401)
        if path == "/graphiql" or (path == "/graphql" and wants_graphiql(request)):
            return RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=303)
    return error_response(path, error)


class AuthMiddleware(HTTPMiddleware):
    """Every request but /healthz and /login must carry a live key; the caller is put in `request.state`."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in OPEN_PATHS or scope["path"].startswith(SIGNED_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            scope.setdefault("state", {})["caller"] = await self.caller(request)
        except StemmaError as error:
            await refusal(request, error)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def caller(self, request: Request) -> Caller:
        """The caller of a request that may go on; refusals are raised."""
        secret = presented_key(request)
        if secret is None:
            raise Unauthenticated(
                "an API key is required: send 'Authorization: Bearer KEY'"
                + (
                    " (or, as the wandb client does, basic auth with user 'api' and the key as password)"
                    if request.url.path.startswith(WANDB_PATHS)
                    else ""
                )
            )
        if request.method not in SAFE_METHODS and bearer_key(request) is None:
            foreign = foreign_origin(request, required=True)
            if foreign is not None:
                raise Forbidden(foreign)
        running = services(request)
        caller = await running.authenticator.caller_from(client_address(request), secret)
        if caller is None:
            raise Unauthenticated("the API key is unknown or revoked")
        if not running.requests.allow(caller.user):
            message = f"rate limit of {running.requests.rate:g} requests per second per user exceeded; slow down"
            raise RateLimited(message, retry_after=running.requests.retry_after)
        return caller


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Stemma — {title}</title>
<style>body{{font:16px system-ui;margin:4rem auto;max-width:28rem}}input{{width:100%;padding:.5rem}}
button{{margin-top:1rem;padding:.5rem 1rem}}.error{{color:#b00020}}</style></head>
<body><h1>Stemma</h1>{body}</body></html>"""
LOGIN_FORM = """<p>Paste an API key (<code>stemma users add</code> prints one; <code>make run</code> prints the
first admin's).</p>{message}
<form method="post" action="/login"><input type="hidden" name="next" value="{next}">
<label for="key">API key</label><input id="key" name="key" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button></form>"""
LOGOUT_FORM = """<p>Sign out of Stemma in this browser?</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>"""


def login_page(
    request: Request, message: str = "", status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    target = request.query_params.get("next") or request.url.path
    if request.url.query and request.url.path != "/login":
        target += "?" + request.url.query
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    body = LOGIN_FORM.format(message=shown, next=html.escape(target, quote=True))
    return HTMLResponse(PAGE.format(title="sign in", body=body), status_code=status, headers=headers)


def secure_cookie(request: Request) -> bool:
    """The cookie travels only over https when the request came that way, or a setting says a TLS proxy is in front."""
    return request.url.scheme == "https" or services(request).settings.secure_cookies


async def login(request: Request) -> Response:
    """GET: the form. POST: check the key, keep it in an HttpOnly cookie, go back to the page."""
    if request.method == "GET":
        return login_page(request)
    foreign = foreign_origin(request, required=False)
    if foreign is not None:
        raise Forbidden(foreign)
    fields = parse_qs((await request.body()).decode(errors="replace"))
    secret = (fields.get("key") or [""])[0].strip()
    target = (fields.get("next") or ["/"])[0]
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    authenticator = services(request).authenticator
    try:
        caller = await authenticator.caller_from(client_address(request), secret) if secret else None
    except TooManyFailures as exc:
        return login_page(request, exc.message, status=429, headers={"retry-after": str(exc.retry_after)})
    if caller is None:
        return login_page(request, "That key is unknown or revoked.", status=401)
    response = RedirectResponse(quote(target, safe="/?=&:%+,"), status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/",
        max_age=30 * 24 * 3600,
    )
    return response


async def logout(request: Request) -> Response:
    """GET: asks to confirm. POST: forgets the cookie and goes to the login page."""
    if request.method == "GET":
        return HTMLResponse(PAGE.format(title="sign out", body=LOGOUT_FORM))
    foreign = foreign_origin(request, required=False)
    if foreign is not None:
        raise Forbidden(foreign)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=secure_cookie(request), httponly=True, samesite="strict")
    return response
