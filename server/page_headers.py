"""Headers on the web pages: scripts only from this server, never inside a frame, no type sniffing.

/graphql is a page too (GraphiQL, for a browser); on its JSON answers the headers change nothing.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from server.middleware import HTTPMiddleware

PAGES = ("/", "/lineage", "/login", "/logout", "/graphiql", "/graphql")
# GraphiQL's stylesheet carries its fonts inline, as data: URLs; Monaco's workers are scripts from this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
_RAW = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]
_NAMES = {name for name, _ in _RAW}


def is_page(path: str) -> bool:
    return path in PAGES or path.startswith("/assets/")


class PageHeadersMiddleware(HTTPMiddleware):
    """Adds HEADERS to every answer of a page path, refusals included."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # HEADERS in place of any the app set
                message["headers"] = [pair for pair in message.get("headers", ()) if pair[0] not in _NAMES] + _RAW
            await send(message)

        await self.app(scope, receive, with_headers)
