"""SDK tests: the SDK reads its settings from a clean environment and talks to the session's real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stemma
from stemma.client import GraphQLClient
from stemma.settings import Settings
from stemma.transport import Clock, Transport

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
_REQUESTS = re.compile(
    r'^stemma_http_request_seconds_count\{method="(\w+)",route="([^"]+)",status="(\d+)"\} ([0-9.e+]+)$', re.MULTILINE
)
FILES_ROUTE = "/files/sha256/{digest}"


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


def requests_answered(base_url: str) -> dict[tuple[str, str, str], int]:
    """Requests the server has answered, by (method, route template, status); /metrics itself left out."""
    text = httpx.get(f"{base_url}/metrics", headers=AUTHORIZED).text
    return {
        (method, route, status): int(float(count))
        for method, route, status, count in _REQUESTS.findall(text)
        if route != "/metrics"
    }


def requests_since(base_url: str, before: dict[tuple[str, str, str], int]) -> dict[tuple[str, str, str], int]:
    """Requests answered since `before` was read, by (method, route template, status)."""
    now = requests_answered(base_url)
    return {key: count - before.get(key, 0) for key, count in now.items() if count != before.get(key, 0)}


def file_requests(base_url: str) -> dict[tuple[str, str], int]:
    """Requests the server has answered on /files/sha256/{digest}, by (method, status)."""
    answered = requests_answered(base_url)
    return {(method, status): count for (method, route, status), count in answered.items() if route == FILES_ROUTE}


class RecordedClock(Clock):
    """The transport's clock, keeping every wait it chose; `fake` time only moves when the transport sleeps,
    real time really sleeps (for a real server's rate limit)."""

    def __init__(self, *, fake: bool) -> None:
        self.fake = fake
        self.waits: list[float] = []
        self.elapsed = 0.0

    def now(self) -> float:
        return self.elapsed if self.fake else super().now()

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.elapsed += seconds
        if not self.fake:
            super().sleep(seconds)


def recorded_client(clock: RecordedClock, **settings: Any) -> GraphQLClient:
    """An SDK client whose transport waits by `clock`."""
    resolved = Settings.resolve(**settings)
    return GraphQLClient(resolved, Transport(resolved, clock=clock))


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
