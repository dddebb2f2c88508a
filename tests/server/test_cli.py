from __future__ import annotations

import json
import subprocess
import sys

from tests.builders import build_zoo
from tests.client import GraphQLClient
from tests.conftest import ROOT

MODEL = "zoo-team/zoo/zoo-ylbchv20:v0"


def stemma(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_lineage_as_json_dot_and_mermaid(api: GraphQLClient, server: str) -> None:
    build_zoo(api)
    as_json = stemma("lineage", MODEL, "--depth", "1", "--direction", "up", "--url", server)
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert [n["ref"] for n in answer["nodes"]] == [MODEL, "zoo-team/zoo/rf20"]
    assert answer["nodes"][1]["name"] == "rural-feather-20"
    dot = stemma("lineage", MODEL, "--depth", "1", "--direction", "up", "--format", "dot", "--url", server)
    assert dot.stdout.splitlines() == [
        "digraph lineage {",
        "  rankdir=LR;",
        '  n0 [shape=ellipse, label="zoo-team/zoo/zoo-ylbchv20:v0 [model]"];',
        '  n1 [shape=box, label="rural-feather-20 (train, finished)"];',
        '  n1 -> n0 [label="LOGGED"];',
        "}",
    ]
    mermaid = stemma("lineage", MODEL, "--depth", "1", "--direction", "down", "--format", "mermaid", "--url", server)
    assert mermaid.stdout.splitlines() == [
        "flowchart LR",
        '  n0(["zoo-team/zoo/zoo-ylbchv20:v0 [model]"])',
        '  n1["northern-lake-21 (evaluate, finished)"]',
        "  n0 -->|USED_BY| n1",
    ]


def test_lineage_errors_say_what_was_wrong(server: str) -> None:
    missing = stemma("lineage", "zoo-team/zoo/nothing:v0", "--url", server)
    assert missing.returncode == 1
    assert "NOT_FOUND" in missing.stderr and "zoo-team/zoo/nothing:v0" in missing.stderr
    bad = stemma("lineage", MODEL, "--direction", "sideways", "--url", server)
    assert bad.returncode == 2
    assert "--direction must be one of up, down, both" in bad.stderr
