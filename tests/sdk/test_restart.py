"""A server restart in the middle of a large upload: the SDK retries until the server is back, and the end state is
every file stored once and exactly one version."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from pathlib import Path

import pytest
import stemma
from neo4j import Driver

from tests.conftest import free_port
from tests.sdk.conftest import file_requests, write
from tests.serving import ServerProcess
from tests.waiting import until

FILES = 200
FILE_BYTES = 200 * 1024
WORKERS = 2


def stored(blobs: Path) -> list[Path]:
    """Files in the server's content store (ab/cd/DIGEST), leaving out unfinished uploads in tmp/."""
    return [path for path in blobs.glob("??/??/*") if path.is_file()]


def test_a_server_restart_mid_upload_ends_with_every_file_stored_once_and_one_version(
    neo4j_uri: str, driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = {f"shard-{index:03}.bin": os.urandom(FILE_BYTES) for index in range(FILES)}
    for name, content in contents.items():
        write(tmp_path / "shards" / name, content)
    state = tmp_path / "state"
    state.mkdir()
    server = ServerProcess(neo4j_uri, state, free_port()).start()
    monkeypatch.setenv("STEMMA_BASE_URL", server.url)
    monkeypatch.setenv("STEMMA_UPLOAD_WORKERS", str(WORKERS))
    outcome: dict[str, object] = {}

    def train() -> None:
        try:
            with stemma.init(project="big", entity="restart-team", name="through-a-restart") as run:
                outcome["artifact"] = run.log_artifact(tmp_path / "shards", name="shards", type="dataset")
        except BaseException as exc:
            outcome["error"] = exc

    uploader = threading.Thread(target=train)
    try:
        uploader.start()

        def twenty_stored() -> bool:
            assert uploader.is_alive(), f"the upload ended before 20 files were stored: {outcome}"
            return len(stored(state / "blobs")) >= 20

        until(twenty_stored, "20 stored files", poll_seconds=0.02)
        server.stop(signal.SIGKILL)
        stored_before_restart = len(stored(state / "blobs"))
        assert 20 <= stored_before_restart < FILES
        server.start()
        uploader.join(timeout=120)
        assert not uploader.is_alive()
        assert "error" not in outcome, outcome

        digests = {hashlib.sha256(content).hexdigest() for content in contents.values()}
        kept = stored(state / "blobs")
        assert sorted(path.name for path in kept) == sorted(digests)
        assert all(hashlib.sha256(path.read_bytes()).hexdigest() == path.name for path in kept)
        puts = file_requests(server.url)
        # After the restart each missing file is sent once, and the few in flight at the kill once more: 201
        # when the server had not yet recorded this user's upload (the kill can fall between storing the
        # bytes and recording the upload), 200 when it had.
        missing = FILES - stored_before_restart
        assert missing <= puts[("PUT", "201")] <= missing + WORKERS
        assert puts[("PUT", "201")] + puts.get(("PUT", "200"), 0) <= missing + WORKERS

        artifact = outcome["artifact"]
        assert isinstance(artifact, stemma.Artifact)
        assert (artifact.ref, artifact.size) == ("restart-team/big/shards:v0", FILES * FILE_BYTES)
        with stemma.Api() as api:
            assert [entry.path for entry in api.artifact("restart-team/big/shards:latest").files] == sorted(contents)
        with driver.session() as session:
            versions = session.run(
                "MATCH (v:ArtifactVersion {entity: 'restart-team', project: 'big', name: 'shards'}) "
                "RETURN v.version AS version, v.file_count AS files"
            ).data()
        assert versions == [{"version": 0, "files": FILES}]
    finally:
        uploader.join(timeout=120)
        server.stop()
