"""Lineage through the SDK with a key that may not read everything: hidden nodes arrive as RedactedNode."""

from __future__ import annotations

from pathlib import Path

import stemma

from tests.client import GraphQLClient
from tests.sdk.conftest import write


def test_lineage_crossing_into_another_entity_shows_redacted_nodes(
    stemma_server: str, tmp_path: Path, api: GraphQLClient
) -> None:
    api.query('mutation { addMember(entity: "globex", user: "bob", role: MEMBER) { role } }')
    bob_key = api.query('mutation { createApiKey(user: "bob") { key } }')["createApiKey"]["key"]
    with stemma.init(project="nlp", entity="globex", name="g1", api_key=bob_key) as run:
        run.log_artifact(str(write(tmp_path / "texts.txt", b"globex texts")), name="texts", type="dataset")
    with stemma.init(project="vision", entity="acme", name="a1") as run:
        run.use_artifact("globex/nlp/texts:v0")
    with stemma.Api(api_key=bob_key) as bob:
        lineage = bob.lineage("globex/nlp/texts:v0", direction="both", depth=1)
    hidden = [node for node in lineage.nodes if isinstance(node, stemma.RedactedNode)]
    assert [node.kind for node in hidden] == ["RUN"]
    assert [run.name for run in lineage.runs] == ["g1"]
    assert {(edge.kind, edge.target) for edge in lineage.edges if edge.source == lineage.root.id} == {
        ("USED_BY", hidden[0].id)
    }
    assert "acme" not in repr(lineage)
