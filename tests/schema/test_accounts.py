"""Account queries: listing users reads the graph and leaves the server's memory of keys alone."""

from __future__ import annotations

from pathlib import Path

from tests.client import GraphQLClient
from tests.conftest import ADMIN, free_port
from tests.serving import ServerProcess

QUIET = {"STEMMA_KEY_CACHE_SECONDS": "3600", "STEMMA_SWEEP_INTERVAL_SECONDS": "3600"}


def test_listing_users_is_one_read_and_keeps_remembered_keys(neo4j_uri: str, tmp_path: Path, driver: object) -> None:
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), QUIET)
    try:
        process.start()
        with GraphQLClient(process.url) as admin:
            # A new leader's first step forgets every remembered key (a change may have been made before it).
            admin.after_two_steps()
            before = admin.statements()
            data = admin.query("{ users { user superuser } }")
            after = admin.statements()
    finally:
        process.stop()
    assert data == {"users": [{"user": ADMIN, "superuser": True}]}
    sent = {kind: after.get(kind, 0) - before.get(kind, 0) for kind in ("read", "write", "auth")}
    assert sent == {"read": 1, "write": 0, "auth": 0}
