"""Errors through the SDK are typed and carry the server's code, field and message; transfers verify content."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import stemma
from neo4j import Driver
from stemma import queries

from tests.conftest import free_port
from tests.sdk.conftest import RecordedClock, recorded_client, write
from tests.serving import ServerProcess

ENTITY, PROJECT = "errors-team", "errors"


def test_an_unknown_reference_raises_not_found_naming_it(stemma_server: str) -> None:
    with stemma.Api() as api, pytest.raises(stemma.NotFound) as missing:
        api.artifact("errors-team/errors/nope:v0")
    assert (missing.value.code, missing.value.field, missing.value.message) == (
        "NOT_FOUND",
        "ref",
        "no artifact version matches ref 'errors-team/errors/nope:v0'",
    )
    assert str(missing.value) == "NOT_FOUND: no artifact version matches ref 'errors-team/errors/nope:v0'"


def test_a_bad_name_raises_bad_user_input_naming_the_field(stemma_server: str) -> None:
    with pytest.raises(stemma.BadUserInput) as refused:
        stemma.init(project=PROJECT, entity="not a name!")
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "BAD_USER_INPUT",
        "input.entity",
        "input.entity may hold only letters, digits, '-', '_' and '.'; got 'not a name!'",
    )
    assert stemma.run is None


def test_logging_a_name_as_another_type_raises_conflict(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY) as run:
        run.log_artifact(write(tmp_path / "a.txt", b"a"), name="thing", type="dataset")
        with pytest.raises(stemma.Conflict) as conflict:
            run.log_artifact(write(tmp_path / "b.txt", b"b"), name="thing", type="model")
    assert (conflict.value.field, conflict.value.message, conflict.value.extensions["existing_type"]) == (
        "type",
        "artifact 'thing' is a dataset; it cannot be logged as a model",
        "dataset",
    )


def test_linking_into_a_registry_that_does_not_exist_raises_not_found(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY) as run:
        model = run.log_artifact(write(tmp_path / "m.pt", b"m"), name="m", type="model")
        with pytest.raises(stemma.NotFound) as missing:
            run.link_artifact(model, f"{ENTITY}/registry-models/classifier")  # every entity has `model`
    assert (missing.value.field, missing.value.message) == ("registry", f"no registry {ENTITY}/models")


def test_without_an_entity_init_asks_the_server_for_the_key_s_default_and_says_when_it_has_none(
    stemma_server: str,
) -> None:
    """The session superuser belongs to no entity, so it has no default entity (W&B's would be its user's)."""
    with pytest.raises(stemma.UsageError, match="an entity is required: pass entity=, set STEMMA_ENTITY"):
        stemma.init(project=PROJECT)


def test_an_unreachable_server_raises_unavailable_once_the_retry_budget_is_spent() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    clock = RecordedClock(fake=True)
    client = recorded_client(clock, base_url=url, api_key="sk-never-shown", retry_seconds=1.5)
    with pytest.raises(stemma.Unavailable) as unavailable:
        client.execute(queries.ARTIFACT, {"ref": "errors-team/errors/any:v0"})
    client.close()
    attempts = len(clock.waits) + 1
    assert attempts >= 3  # two backoffs (at most 0.25 s and 0.5 s) always fit in 1.5 s
    assert all(0.125 * 2**n <= wait <= 0.25 * 2**n for n, wait in enumerate(clock.waits))
    assert sum(clock.waits) <= 1.5
    assert unavailable.value.code == "UNAVAILABLE"
    assert unavailable.value.message.startswith(
        f"POST {url}/graphql failed after {attempts} attempt(s) within 1.5s: ConnectError"
    )
    assert "sk-never-shown" not in repr(client.settings) + str(unavailable.value)


@pytest.fixture
def own_server(neo4j_uri: str, driver: Driver, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose content store this test can reach into."""
    (tmp_path / "state").mkdir()
    process = ServerProcess(neo4j_uri, tmp_path / "state", free_port()).start()
    yield process
    process.stop()


def test_a_download_whose_content_does_not_match_its_digest_keeps_nothing(
    own_server: ServerProcess, tmp_path: Path
) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY, base_url=own_server.url) as run:
        logged = run.log_artifact(write(tmp_path / "weights.bin", b"good weights"), name="weights", type="model")
    entry = logged.files[0]
    stored = own_server.state / "blobs" / entry.digest[:2] / entry.digest[2:4] / entry.digest
    assert stored.read_bytes() == b"good weights"
    stored.write_bytes(b"evil weights")

    with pytest.raises(stemma.DigestMismatch) as mismatch:
        logged.download(root=tmp_path / "out")
    assert mismatch.value.message == (
        f"'weights.bin' arrived as 12 bytes with sha256 {hashlib.sha256(b'evil weights').hexdigest()}; "
        f"the manifest says 12 bytes with sha256 {entry.digest}; nothing was kept"
    )
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == []


def test_when_the_server_is_gone_the_blocks_own_exception_still_propagates(
    own_server: ServerProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STEMMA_RETRY_SECONDS", "0.5")
    with (
        pytest.raises(ZeroDivisionError),
        stemma.init(project=PROJECT, entity=ENTITY, base_url=own_server.url) as run,
    ):
        own_server.stop()
        _ = 1 / 0
    assert f"could not mark run {run.path} as failed: UNAVAILABLE: POST {own_server.url}/graphql" in caplog.text
    own_server.start()
    with stemma.Api(base_url=own_server.url) as api:
        assert api.run(run.path).state == "running"
