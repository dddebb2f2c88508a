"""The SDK's retries against the real server: 429 from the per-key rate limit (honouring Retry-After), and
client errors that are not retried. (503s during a Neo4j outage: tests/server/test_outage.py.)"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stemma

from tests.conftest import ADMIN_KEY, free_port
from tests.serving import ServerProcess

THROTTLED = re.compile(
    r'^stemma_http_request_seconds_count\{method="\w+",route="[^"]+",status="429"\} (\S+)$', re.MULTILINE
)


@pytest.fixture
def throttled(neo4j_uri: str, tmp_path: Path, driver: object) -> Iterator[str]:
    """A server allowing each key one request a second (bursts of one)."""
    process = ServerProcess(
        neo4j_uri,
        tmp_path / "server",
        free_port(),
        {"STEMMA_RATE_LIMIT_PER_SECOND": "1", "STEMMA_RATE_LIMIT_BURST": "1"},
    ).start()
    yield process.url
    process.stop()


def test_the_rate_limit_is_waited_out_with_the_key_as_bearer_token(
    throttled: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    (tmp_path / "data.txt").write_text("rows")
    started = time.monotonic()
    with stemma.init(project="p", entity="throttled", name="patient", base_url=throttled, api_key=ADMIN_KEY) as run:
        run.log_artifact(str(tmp_path / "data.txt"), name="data", type="dataset")
        run_path = run.path
    elapsed = time.monotonic() - started
    with stemma.Api(base_url=throttled, api_key=ADMIN_KEY) as api:
        assert api.run(run_path).state == "finished"
    time.sleep(1)
    metrics = httpx.get(f"{throttled}/metrics", headers={"authorization": f"Bearer {ADMIN_KEY}"}).text
    refused = THROTTLED.search(metrics)
    assert refused is not None and float(refused.group(1)) >= 1
    assert elapsed >= 1.0
    retries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("retrying")]
    assert retries and all(message.endswith("HTTP 429") for message in retries)
    assert any(message.startswith("retrying POST /graphql in 1.00s") for message in retries)
    assert ADMIN_KEY not in caplog.text and ADMIN_KEY[4:] not in caplog.text


def test_a_retry_after_beyond_the_budget_gives_up_at_once(throttled: str) -> None:
    with stemma.Api(base_url=throttled, api_key=ADMIN_KEY, retry_seconds=0.5) as api:
        with pytest.raises(stemma.NotFound):
            api.run("throttled/p/none")
        started = time.monotonic()
        with pytest.raises(stemma.Unavailable, match="failed after 1 attempt"):
            api.run("throttled/p/none")
        assert time.monotonic() - started < 0.5


def test_a_client_error_is_not_retried(stemma_server: str) -> None:
    with stemma.Api() as api, pytest.raises(stemma.NotFound) as missing:
        api.run("a/b/c")
    assert (missing.value.field, missing.value.message) == ("id", "no run has id 'a/b/c'")
