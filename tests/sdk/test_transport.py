"""The SDK's retries against the real server: 429 from the per-user rate limit (honouring Retry-After), and
client errors that are not retried. The transport's clock records each wait it chose, so the tests count
waits instead of timing them. (503s during a Neo4j outage: tests/server/test_outage.py.)"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stemma
from stemma import queries
from stemma.artifacts import RunInfo

from tests.conftest import ADMIN_KEY, free_port
from tests.sdk.conftest import RecordedClock, recorded_client
from tests.serving import ServerProcess

THROTTLED = re.compile(
    r'^stemma_http_request_seconds_count\{method="\w+",route="[^"]+",status="429"\} (\S+)$', re.MULTILINE
)


@pytest.fixture
def throttled(neo4j_uri: str, tmp_path: Path, driver: object) -> Iterator[str]:
    """A server allowing each user one request a second (bursts of one)."""
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
    for part in range(4):  # uploaded side by side, so some are refused whatever the machine's speed
        (tmp_path / "data" / f"part-{part}.txt").parent.mkdir(exist_ok=True)
        (tmp_path / "data" / f"part-{part}.txt").write_text(f"rows {part}")
    clock = RecordedClock(fake=False)
    client = recorded_client(clock, base_url=throttled, api_key=ADMIN_KEY)
    run_input = {"entity": "throttled", "project": "p", "runId": "patient1", "name": "patient"}
    created = client.execute(queries.CREATE_RUN, {"input": run_input})["createRun"]
    run = stemma.Run(RunInfo.from_server(created, client), client)
    run.log_artifact(str(tmp_path / "data"), name="data", type="dataset")
    run.finish()
    assert client.execute(queries.RUN, {"id": run.path})["run"]["state"] == "FINISHED"

    def count_429(response: httpx.Response) -> int:
        return sum(int(float(count)) for count in THROTTLED.findall(response.read().decode()))

    refused = client.transport.send("GET", "/metrics", count_429)
    client.close()
    assert len(clock.waits) >= 1
    assert clock.waits == [1.0] * len(clock.waits)  # the server's Retry-After, each time
    assert refused == len(clock.waits)  # every wait answered a 429, every 429 was waited out once
    retries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("retrying")]
    assert len(retries) == len(clock.waits) and all(message.endswith(" in 1.00s: HTTP 429") for message in retries)
    assert ADMIN_KEY not in caplog.text and ADMIN_KEY[4:] not in caplog.text


def test_a_retry_after_beyond_the_budget_gives_up_at_once(throttled: str) -> None:
    clock = RecordedClock(fake=False)
    client = recorded_client(clock, base_url=throttled, api_key=ADMIN_KEY, retry_seconds=0.5)
    with pytest.raises(stemma.NotFound):
        client.execute(queries.RUN, {"id": "throttled/p/none"})
    with pytest.raises(stemma.Unavailable, match="failed after 1 attempt"):
        client.execute(queries.RUN, {"id": "throttled/p/none"})
    client.close()
    assert clock.waits == []


def test_a_client_error_is_not_retried(stemma_server: str) -> None:
    with stemma.Api() as api, pytest.raises(stemma.NotFound) as missing:
        api.run("a/b/c")
    assert (missing.value.field, missing.value.message) == ("id", "no run has id 'a/b/c'")
