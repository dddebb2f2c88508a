"""Docker cannot run here: check that docker-compose.yml parses and that what it references exists."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def test_compose_runs_neo4j_526_and_stemma_after_neo4j_is_healthy() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, stemma = compose["services"]["neo4j"], compose["services"]["stemma"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "healthcheck" in neo4j
    assert any(volume.endswith(":/data") for volume in neo4j["volumes"])
    assert stemma["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert stemma["environment"]["STEMMA_NEO4J_URI"] == "bolt://neo4j:7687"
    assert "${NEO4J_PASSWORD" in stemma["environment"]["STEMMA_NEO4J_PASSWORD"]
    assert (ROOT / stemma["build"]["context"] / stemma["build"]["dockerfile"]).is_file()


def test_everything_the_dockerfile_copies_exists() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY") and "--from" not in line
        for source in line.split()[1:-1]
    ]
    assert sources
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert missing == []
    assert re.search(r"^CMD \[\"stemma\", \"serve\"\]$", dockerfile, re.MULTILINE)
