"""Docker cannot run here: check that docker-compose.yml parses and that what it references exists."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from server.settings import Settings
from tests.conftest import ADMIN_KEY, ROOT, free_port
from tests.s3 import S3Server
from tests.serving import ServerProcess


def test_compose_runs_neo4j_526_and_stemma_after_neo4j_is_healthy() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, stemma = compose["services"]["neo4j"], compose["services"]["stemma"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "healthcheck" in neo4j
    assert any(volume.endswith(":/data") for volume in neo4j["volumes"])
    assert stemma["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert stemma["environment"]["STEMMA_NEO4J_URI"] == "bolt://neo4j:7687"
    assert "${NEO4J_PASSWORD" in stemma["environment"]["STEMMA_NEO4J_PASSWORD"]
    assert (ROOT / stemma["build"]["context"] / stemma["build"]["dockerfile"]).is_file()


def test_everything_the_dockerfile_copies_exists() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY") and "--from" not in line
        for source in line.split()[1:-1]
    ]
    assert sources
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert missing == []
    assert re.search(r"^CMD \[\"stemma\", \"serve\"\]$", dockerfile, re.MULTILINE)


def scaled_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return services


def test_compose_offers_two_stemma_processes_on_one_graph_and_one_bucket_behind_one_port() -> None:
    services = scaled_services()
    assert "profiles" not in services["stemma"], "`docker compose up` still starts the single shape"
    scaled = {name for name, service in services.items() if service.get("profiles") == ["scaled"]}
    assert scaled == {"s3", "s3-bucket", "stemma-a", "stemma-b", "proxy"}
    first, second = services["stemma-a"], services["stemma-b"]
    assert first == second, "the two processes differ in nothing"
    environment = first["environment"]
    assert environment["STEMMA_NEO4J_URI"] == "neo4j://neo4j:7687"
    assert first["depends_on"] == {
        "neo4j": {"condition": "service_healthy"},
        "s3-bucket": {"condition": "service_completed_successfully"},
    }
    assert "ports" not in first, "only the proxy reaches them"
    unknown = [
        name for name in environment if name.startswith("STEMMA_") and name[7:].lower() not in Settings.model_fields
    ]
    assert unknown == []
    bucket = environment["STEMMA_BLOB_URL"].removeprefix("s3://").split("/")[0]
    assert f"--bucket {bucket}" in services["s3-bucket"]["command"][0]
    assert services["s3-bucket"]["environment"]["AWS_ENDPOINT_URL"] == environment["STEMMA_S3_ENDPOINT_URL"]
    public_port = environment["STEMMA_S3_PUBLIC_ENDPOINT_URL"].rsplit(":", 1)[1]
    assert f"127.0.0.1:{public_port}:8333" in services["s3"]["ports"]
    proxy = services["proxy"]["command"]
    assert [proxy[index + 1] for index, word in enumerate(proxy) if word == "--to"] == [
        f"stemma-a:{environment['STEMMA_PORT']}",
        f"stemma-b:{environment['STEMMA_PORT']}",
    ]
    assert services["proxy"]["ports"] == [f"127.0.0.1:{proxy[proxy.index('--from') + 1].lstrip(':')}:8080"]


def test_the_scaled_shapes_settings_serve_one_artifact_through_either_process(
    neo4j_uri: str,
    driver: Any,
    s3: S3Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stemma-a's and stemma-b's environment as compose gives it, with the compose network's names mapped to
    the test's Neo4j and moto: an artifact logged through one is downloaded through the other, from presigned
    URLs that name the store's public address."""
    import stemma

    environment = dict(scaled_services()["stemma-a"]["environment"])
    bucket = environment["STEMMA_BLOB_URL"].removeprefix("s3://").split("/")[0]
    with contextlib.suppress(s3.client().exceptions.BucketAlreadyOwnedByYou):
        s3.client().create_bucket(Bucket=bucket)
    public = f"http://localhost:{s3.port}"
    mapped = {
        **environment,
        "STEMMA_NEO4J_URI": re.sub(r"^bolt://", "neo4j://", neo4j_uri),
        "STEMMA_NEO4J_PASSWORD": os.environ["STEMMA_NEO4J_PASSWORD"],
        "STEMMA_S3_ENDPOINT_URL": s3.url,
        "STEMMA_S3_PUBLIC_ENDPOINT_URL": public,
        "AWS_ACCESS_KEY_ID": s3.environment["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": s3.environment["AWS_SECRET_ACCESS_KEY"],
        "STEMMA_S3_PART_BYTES": str(5 * 1024 * 1024),
    }
    del mapped["STEMMA_HOST"], mapped["STEMMA_PORT"]
    first, second = (
        ServerProcess(mapped["STEMMA_NEO4J_URI"], tmp_path / name, free_port(), mapped).start() for name in "ab"
    )
    try:
        content = os.urandom(6 * 1024 * 1024)
        (tmp_path / "model.bin").write_bytes(content)
        monkeypatch.setenv("STEMMA_API_KEY", ADMIN_KEY)
        monkeypatch.setenv("STEMMA_BASE_URL", first.url)
        with stemma.init(entity="scaled-team", project="p") as run:
            run.log_artifact(tmp_path / "model.bin", name="model", type="model")
        digest = hashlib.sha256(content).hexdigest()
        with httpx.Client(base_url=second.url, headers={"authorization": f"Bearer {ADMIN_KEY}"}) as http:
            location = http.get(f"/files/sha256/{digest}").headers["location"]
        assert location.startswith(f"{public}/{bucket}/blobs/")
        monkeypatch.setenv("STEMMA_BASE_URL", second.url)
        folder = stemma.Api().artifact("scaled-team/p/model:v0").download(tmp_path / "out")
        assert (Path(folder) / "model.bin").read_bytes() == content
    finally:
        first.stop()
        second.stop()
