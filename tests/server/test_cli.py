from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
from stemma.settings import Settings

from cypher.openlineage import stemma_name
from neo4j_local.launcher import LocalNeo4j
from tests.builders import Builder, build_zoo
from tests.client import GraphQLClient
from tests.conftest import ROOT
from tests.openlineage_spec import spec_problems, unknown_facets

MODEL = "zoo-team/zoo/zoo-ylbchv20:v0"


def stemma(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


MERMAID_NODE = re.compile(r'^  (n\d+)(\["[^"]*"\]|\(\["[^"]*"\]\)|\{\{"[^"]*"\}\})$')
MERMAID_CLUSTER = re.compile(r'^  (c\d+)\[\["[^"]*"\]\]$')
MERMAID_EDGE = re.compile(r'^  ([nc]\d+) (?:-->\|"[^"]*"\||-\.->) ([nc]\d+)$')
DOT_STRING = r'"(?:[^"\\]|\\.)*"'
DOT_NODE = re.compile(rf"^  ([nc]\d+) \[shape=\w+, label={DOT_STRING}(?:, \w+=\w+)*\];$")
DOT_EDGE = re.compile(rf"^  ([nc]\d+) -> ([nc]\d+) \[(?:label={DOT_STRING}|style=dashed)\];$")


def assert_valid_mermaid(text: str) -> None:
    """A Mermaid flowchart as lineage_formats writes it: every line a node, cluster, edge or style statement,
    every edge between declared ids, labels quoted with no quote inside."""
    first, *lines = text.splitlines()
    assert first == "flowchart LR"
    declared: set[str] = set()
    for line in lines:
        if found := MERMAID_NODE.match(line) or MERMAID_CLUSTER.match(line):
            declared.add(found.group(1))
        elif found := MERMAID_EDGE.match(line):
            assert {found.group(1), found.group(2)} <= declared, line
        else:
            assert line == "  classDef root stroke-width:3px;" or re.fullmatch(r"  class n\d+ root;", line), line


def assert_valid_dot(text: str) -> None:
    """A Graphviz digraph as lineage_formats writes it, checked line by line (and by `dot` when installed)."""
    first, second, *lines, last = text.splitlines()
    assert (first, second, last) == ("digraph lineage {", "  rankdir=LR;", "}")
    declared: set[str] = set()
    for line in lines:
        if found := DOT_NODE.match(line):
            declared.add(found.group(1))
        else:
            found = DOT_EDGE.match(line)
            assert found and {found.group(1), found.group(2)} <= declared, line
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, check=True, capture_output=True)


def test_lineage_as_json_dot_mermaid_and_graphml(api: GraphQLClient, server: str) -> None:
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
        '  n0 [shape=ellipse, label="zoo-team/zoo/zoo-ylbchv20:v0\\nmodel\\naliases: best, latest\\nregistry: '
        'zoo-team/registry-model/zoo-classifier:v0 (latest, production)", penwidth=2];',
        '  n1 [shape=box, label="rural-feather-20\\ntrain, finished"];',
        '  n1 -> n0 [label="LOGGED"];',
        "}",
    ]
    assert_valid_dot(dot.stdout)
    mermaid = stemma("lineage", MODEL, "--depth", "1", "--direction", "down", "--format", "mermaid", "--url", server)
    assert mermaid.stdout.splitlines() == [
        "flowchart LR",
        '  n0(["zoo-team/zoo/zoo-ylbchv20:v0<br/>model<br/>aliases: best, latest<br/>registry: '
        'zoo-team/registry-model/zoo-classifier:v0 (latest, production)"])',
        '  n1["northern-lake-21<br/>evaluate, finished"]',
        '  n0 -->|"USED_BY"| n1',
        "  classDef root stroke-width:3px;",
        "  class n0 root;",
    ]
    assert_valid_mermaid(mermaid.stdout)
    graphml = stemma("lineage", MODEL, "--depth", "1", "--direction", "up", "--format", "graphml", "--url", server)
    graph = ElementTree.fromstring(graphml.stdout.encode())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {key.get("id"): key.get("attr.name") for key in graph.findall("g:key", ns)}
    nodes = {
        node.get("id"): {keys[data.get("key")]: data.text for data in node.findall("g:data", ns)}
        for node in graph.findall("g:graph/g:node", ns)
    }
    assert nodes == {
        "n0": {
            "kind": "ArtifactVersion",
            "label": "zoo-team/zoo/zoo-ylbchv20:v0\nmodel\naliases: best, latest\n"
            "registry: zoo-team/registry-model/zoo-classifier:v0 (latest, production)",
            "ref": MODEL,
            "root": "true",
        },
        "n1": {"kind": "Run", "label": "rural-feather-20\ntrain, finished", "ref": "zoo-team/zoo/rf20"},
    }
    [edge] = graph.findall("g:graph/g:edge", ns)
    assert (edge.get("source"), edge.get("target"), edge.find("g:data[@key='kind']", ns).text) == ("n1", "n0", "LOGGED")


def test_lineage_as_openlineage_events_makes_the_same_lineage_again_when_sent_back(
    api: GraphQLClient, server: str
) -> None:
    """The zoo's lineage exported as OpenLineage RunEvents and posted to /api/v1/lineage into another entity:
    the copy has the same runs (by job type and state), versions (by collection: the copy numbers its own) and
    edges (by kind)."""
    build_zoo(api)
    asked = ["--depth", "4", "--direction", "both", "--url", server]
    exported = stemma("lineage", MODEL, *asked, "--format", "openlineage")
    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    original = json.loads(stemma("lineage", MODEL, *asked).stdout)
    assert len(events) == sum(node["__typename"] == "Run" for node in original["nodes"]) >= 3
    for event in events:  # as the spec's JSON schemas have it, each facet one of the spec's own
        assert (spec_problems(event), unknown_facets(event)) == ([], []), event
        assert str(uuid.UUID(event["run"]["runId"])) == event["run"]["runId"]
    headers = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"}
    for event in reversed(events):  # in any order: every version is named by its version facet
        sent = httpx.post(f"{server}/api/v1/lineage?entity=copy", json=event, headers=headers, timeout=60)
        assert sent.status_code == 201, sent.text
    copied_model = f"copy/{stemma_name('stemma://zoo-team/zoo', project=True)}/zoo-ylbchv20:v0"
    copy = json.loads(stemma("lineage", copied_model, *asked).stdout)

    def shape(lineage: dict[str, Any]) -> tuple[list[Any], list[str], list[str]]:
        runs = sorted((node["jobType"], node["state"]) for node in lineage["nodes"] if node["__typename"] == "Run")
        versions = sorted(
            node["ref"].split("/")[2].split(":")[0] for node in lineage["nodes"] if node["__typename"] != "Run"
        )
        return runs, versions, sorted(edge["kind"] for edge in lineage["edges"])

    assert shape(copy) == shape(original)


def test_lineage_text_shows_hidden_nodes_clusters_and_groups(api: GraphQLClient, server: str) -> None:
    """A caller who sees one entity only: the other's nodes are placeholders in every format; a sweep clusters
    under its description."""
    zoo, globex = Builder(api), Builder(api, "globex", "nlp")
    globex.log(globex.run("secret-prep", job_type="preprocess"), "texts")
    train = zoo.run("train")
    zoo.use(train, "globex/nlp/texts:v0")
    zoo.log(train, "model", "model", aliases=["best"])
    for number in range(3):
        zoo.use(zoo.run(f"sweep{number}", group="s-1", job_type="tune"), "model:v0")
    api.query('mutation { addMember(entity: "zoo-team", user: "ana", role: MEMBER) { role } }')
    key = api.query('mutation { createApiKey(user: "ana") { key } }')["createApiKey"]["key"]
    ask = ["lineage", "zoo-team/zoo/model:v0", "--depth", "3", "--cluster-threshold", "2", "--url", server]
    ask += ["--api-key", key]
    mermaid = stemma(*ask, "--format", "mermaid")
    assert mermaid.returncode == 0, mermaid.stderr
    assert '{{"hidden artifact version"}}' in mermaid.stdout
    assert '[["3 runs of group s-1, job type tune"]]' in mermaid.stdout
    assert_valid_mermaid(mermaid.stdout)
    dot = stemma(*ask, "--format", "dot")
    assert dot.returncode == 0, dot.stderr
    assert 'shape=hexagon, label="hidden artifact version", style=dashed' in dot.stdout
    assert 'shape=folder, label="3 runs of group s-1, job type tune"' in dot.stdout
    assert_valid_dot(dot.stdout)
    text = (
        "query($ref: String!, $f: LineageFormat!) { lineageText(ref: $ref, format: $f, depth: 3, clusterThreshold: 2) }"
    )
    with GraphQLClient(server, key) as ana:  # the same text from GraphQL, seen as the same caller
        for form, printed in (("MERMAID", mermaid.stdout), ("DOT", dot.stdout)):
            assert ana.query(text, ref="zoo-team/zoo/model:v0", f=form)["lineageText"] == printed.rstrip("\n")


def test_lineage_errors_say_what_was_wrong(server: str) -> None:
    missing = stemma("lineage", "zoo-team/zoo/nothing:v0", "--url", server)
    assert missing.returncode == 1
    assert "NOT_FOUND" in missing.stderr and "zoo-team/zoo/nothing:v0" in missing.stderr
    text = "query($ref: String!) { lineageText(ref: $ref, format: GRAPHML) }"
    with GraphQLClient(server, os.environ["STEMMA_API_KEY"]) as admin:
        refused = admin.error(text, ref="zoo-team/zoo/nothing:v0")
    assert (refused["extensions"]["code"], refused["extensions"].get("field")) == ("NOT_FOUND", "ref")
    bad = stemma("lineage", MODEL, "--direction", "sideways", "--url", server)
    assert bad.returncode == 2
    assert "--direction must be one of up, down, both" in bad.stderr


def test_without_a_key_the_cli_says_so_instead_of_failing_to_connect(server: str) -> None:
    keyless = {name: value for name, value in os.environ.items() if name != "STEMMA_API_KEY"}
    for command in (["lineage", MODEL], ["demo"]):
        result = stemma(*command, "--url", server, env=keyless)
        assert result.returncode == 1, result.stderr
        assert "UNAUTHENTICATED" in result.stderr and "no API key was given" in result.stderr, result.stderr
        assert "cannot reach" not in result.stderr


def test_from_any_folder_the_cli_uses_the_checkout_s_local_neo4j(tmp_path: Path) -> None:
    """Run elsewhere, it used to make a second `.stemma` there, fetch Neo4j again and fail on the busy port."""
    unset = ("STEMMA_STATE_DIR", "STEMMA_NEO4J_URI", "PYTHONPATH")
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env["PYTHONPATH"] = str(ROOT)  # as the installed `stemma` command finds its code
    status = stemma("db", "status", env=env, cwd=tmp_path)
    home = LocalNeo4j(state_dir=ROOT / ".stemma", name="dev", port=7687).home
    assert f"home: {home};" in " ".join(status.stderr.split()), status.stderr
    assert not (tmp_path / ".stemma").exists()


def test_login_keeps_a_key_the_server_accepts_for_the_cli_and_the_sdk(
    api: GraphQLClient, server: str, tmp_path: Path
) -> None:
    build_zoo(api)
    config = tmp_path / "config" / "stemma.toml"
    env = {name: value for name, value in os.environ.items() if not name.startswith("STEMMA_")}
    env["STEMMA_CONFIG"] = str(config)
    refused = stemma("login", "stm_not-a-key", "--host", server, env=env)
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr, refused.stderr
    assert not config.exists()
    done = stemma("login", os.environ["STEMMA_API_KEY"], "--host", server, env=env)
    assert done.returncode == 0, done.stderr
    assert f"the key is kept in {config}" in done.stderr
    assert config.stat().st_mode & 0o777 == 0o600
    kept = Settings.resolve(environ={"STEMMA_CONFIG": str(config)})
    assert (kept.base_url, kept.api_key) == (server, os.environ["STEMMA_API_KEY"])
    assert os.environ["STEMMA_API_KEY"] not in done.stdout + done.stderr
    answer = stemma("lineage", MODEL, "--depth", "1", env=env)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["nodes"][0]["ref"] == MODEL


def test_login_reads_the_key_from_standard_input_and_keeps_it_for_its_own_server(
    api: GraphQLClient, server: str, tmp_path: Path
) -> None:
    build_zoo(api)
    config = tmp_path / "stemma.toml"
    env = {name: value for name, value in os.environ.items() if not name.startswith("STEMMA_")}
    env.update(STEMMA_CONFIG=str(config), STEMMA_BASE_URL=server)
    key = os.environ["STEMMA_API_KEY"]
    done = subprocess.run(
        [sys.executable, "-m", "server", "login"], input=f"{key}\n", cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    kept = Settings.resolve(environ={"STEMMA_CONFIG": str(config)})
    assert (kept.base_url, kept.api_key) == (server, key), "the key is kept with the server that accepted it"
    del env["STEMMA_BASE_URL"]
    here = stemma("lineage", MODEL, "--url", server, env=env)
    assert here.returncode == 0, here.stderr
    config.write_text(config.read_text().replace(server, "https://stemma.example.org"))
    elsewhere = stemma("lineage", MODEL, "--url", server, env=env)  # not the server the key was kept for
    assert elsewhere.returncode == 1 and "no API key was given" in elsewhere.stderr, elsewhere.stderr
