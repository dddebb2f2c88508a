"""The graphql-http audit suite, run against the real server: every audit of the GraphQL-over-HTTP spec it
checks passes, MUST, SHOULD and MAY alike."""

from __future__ import annotations

from tests.clients.conftest import run_node


def test_every_graphql_over_http_audit_passes(server: str) -> None:
    audits = run_node("audit.mjs", server)
    assert len(audits) >= 40, audits  # the suite ran whole, not a few audits of it
    failed = [f"{a['id']} {a['name']}: {a['status']} {a['reason']}" for a in audits if a["status"] != "ok"]
    assert failed == []
