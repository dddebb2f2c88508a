"""GraphiQL, bundled into the web build (web/graphiql.html): at /graphiql, and at /graphql for a browser
(`server.graphql_http` asks `wants_graphiql`).

Everything it loads comes from this server, so it works without internet, under the pages' security headers.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from cypher.errors import NotFound
from server.accept import quality

GRAPHIQL_HTML = Path(__file__).resolve().parent.parent / "web" / "dist" / "graphiql.html"
JSON_TYPES = ("application/json", "application/graphql-response+json")


async def graphiql_page(request: Request) -> Response:
    if not GRAPHIQL_HTML.is_file():
        raise NotFound("GraphiQL is not built; run `make web`")
    return FileResponse(GRAPHIQL_HTML)


def wants_graphiql(request: Request) -> bool:
    """A browser opening /graphql: a GET with no query that prefers HTML to JSON (curl's */* does not)."""
    if request.method != "GET" or "query" in request.query_params:
        return False
    accept = request.headers.get("accept", "")
    return quality(accept, "text/html") > max(quality(accept, media_type) for media_type in JSON_TYPES)
