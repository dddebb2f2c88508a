"""SDK tests: the SDK reads its settings from a clean environment and talks to the session's real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stemma

from tests.conftest import ADMIN_KEY

SDK_VARIABLES = (
    "STEMMA_BASE_URL",
    "STEMMA_API_KEY",
    "STEMMA_ENTITY",
    "STEMMA_PROJECT",
    "STEMMA_RETRY_SECONDS",
    "STEMMA_HEARTBEAT_SECONDS",
    "STEMMA_UPLOAD_WORKERS",
)
_FILE_REQUESTS = re.compile(
    r'^stemma_http_request_seconds_count\{method="(\w+)",route="/files/sha256/\{digest\}",status="(\d+)"\} '
    r"([0-9.e+]+)$",
    re.MULTILINE,
)


AUTHORIZED = {"authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(autouse=True)
def sdk_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No SDK setting leaks in from the machine; each test works in its own directory; no run outlives its test."""
    for variable in SDK_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("STEMMA_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("STEMMA_CONFIG", str(tmp_path / "absent-config.toml"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    stemma.finish()


@pytest.fixture
def stemma_server(server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session's server, where the SDK finds it: STEMMA_BASE_URL (the key is the session superuser's)."""
    monkeypatch.setenv("STEMMA_BASE_URL", server)
    return server


def file_requests(base_url: str) -> dict[tuple[str, str], int]:
    """Requests the server has answered on /files/sha256/{digest}, by (method, status)."""
    text = httpx.get(f"{base_url}/metrics", headers=AUTHORIZED).text
    return {(method, status): int(float(count)) for method, status, count in _FILE_REQUESTS.findall(text)}


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
