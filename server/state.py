"""What the app holds while it runs, typed: `app.state.stemma`, set up by the lifespan from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from schema.context import ConsoleLimits, Limits
    from schema.service import Graph
    from server.auth import Authenticator
    from server.blobs import BlobStore
    from server.cluster import Cluster
    from server.ratelimit import RateLimiter
    from server.settings import Settings
    from server.shared import SharedState


@dataclass(frozen=True)
class Services:
    settings: Settings
    graph: Graph
    authenticator: Authenticator
    requests: RateLimiter
    shared: SharedState
    cluster: Cluster
    blobs: BlobStore
    limits: Limits
    console: ConsoleLimits


def services(connection: HTTPConnection) -> Services:
    """The running app's services, for a request."""
    found: Services = connection.app.state.stemma
    return found
