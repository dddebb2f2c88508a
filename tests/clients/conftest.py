"""Real GraphQL clients (JavaScript ones through Node, from tests/clients/package.json) against the real server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

CLIENTS = Path(__file__).resolve().parent


def run_node(script: str, server: str, **env: str) -> Any:
    """What `script` printed as JSON, run by Node against `server` with the session's API key."""
    if not (CLIENTS / "node_modules" / "graphql-http").is_dir():
        pytest.fail("the client matrix's packages are not installed: run `make test` (or `cd tests/clients && npm ci`)")
    environment = {**os.environ, "STEMMA_URL": server, **env}
    done = subprocess.run(
        ["node", script], cwd=CLIENTS, env=environment, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
