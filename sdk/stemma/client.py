"""GraphQL over HTTP: one request per call, the server's errors raised as typed SDK errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from stemma.errors import StemmaError, error_from_server
from stemma.queries import PAGE_SIZE
from stemma.settings import Settings
from stemma.transport import RetryLater, Transport


def error_from_response(response: httpx.Response) -> StemmaError:
    """The typed error for a refused HTTP answer: a GraphQL `errors` list, a `{"error": …}` body, or bare text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return _graphql_error(body["errors"][0])
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        detail = body["error"]
        return error_from_server(detail.get("code"), str(detail.get("message", "")), detail)
    text = response.text.strip()[:300]
    return StemmaError(f"HTTP {response.status_code} from {response.request.url.path}: {text or 'no body'}")


def _graphql_error(error: Mapping[str, Any]) -> StemmaError:
    extensions = error.get("extensions") or {}
    return error_from_server(extensions.get("code"), str(error.get("message", "")), extensions)


class GraphQLClient:
    """Runs the SDK's GraphQL documents; an UNAVAILABLE answer is retried like a lost connection."""

    def __init__(self, settings: Settings, transport: Transport | None = None) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings)
        # Whether the server takes uploads straight into object storage; asked once, at the first upload.
        self.direct_uploads: bool | None = None

    def close(self) -> None:
        self.transport.close()

    def execute(
        self, document: str, variables: Mapping[str, Any] | None = None, *, retry_seconds: float | None = None
    ) -> dict[str, Any]:
        """The `data` of a request that succeeded; otherwise the first error, typed by its code."""

        def handle(response: httpx.Response) -> dict[str, Any]:
            response.read()
            if response.status_code != 200:
                raise error_from_response(response)
            body = response.json()
            errors = body.get("errors") or []
            if errors:
                error = _graphql_error(errors[0])
                if error.code == "UNAVAILABLE":
                    raise RetryLater(error.message)
                raise error
            data: dict[str, Any] = body["data"]
            return data

        payload = {"query": document, "variables": dict(variables or {})}
        return self.transport.send("POST", "/graphql", handle, json=payload, retry_seconds=retry_seconds)

    def nodes(self, document: str, variables: Mapping[str, Any], owner: str) -> Iterator[dict[str, Any]]:
        """Every node of the connection aliased `page` under the root field `owner`, page by page."""
        after: str | None = None
        while True:
            data = self.execute(document, {**variables, "first": PAGE_SIZE, "after": after})
            page = data[owner]["page"]
            for edge in page["edges"]:
                yield edge["node"]
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]
