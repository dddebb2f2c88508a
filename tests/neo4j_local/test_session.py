"""The test session's own Neo4j is stopped when the session ends, unless STEMMA_TEST_KEEP_NEO4J=1 keeps it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from neo4j_local.launcher import LocalNeo4j
from tests.conftest import ROOT, free_port

PROBE = "tests/neo4j_local/session_probe.py"


def run_session(port: int, **env: str) -> subprocess.CompletedProcess[str]:
    """A whole pytest session of one test that needs the session's Neo4j, on `port`."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("STEMMA_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PROBE],
        cwd=ROOT,
        env={**inherited, "STEMMA_TEST_NEO4J_PORT": str(port), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_a_kept_neo4j_is_reused_by_the_next_session_which_stops_it() -> None:
    port = free_port()
    local = LocalNeo4j(state_dir=ROOT / ".stemma", name=f"test-{port}", port=port)
    try:
        kept = run_session(port, STEMMA_TEST_KEEP_NEO4J="1")
        assert kept.returncode == 0, kept.stdout + kept.stderr
        assert local.running_pid() is not None
        assert local.bolt_answers() is True
        reused = run_session(port)
        assert reused.returncode == 0, reused.stdout + reused.stderr
        assert local.running_pid() is None
        assert local.bolt_answers() is False
    finally:
        local.stop()
        shutil.rmtree(local.home, ignore_errors=True)
