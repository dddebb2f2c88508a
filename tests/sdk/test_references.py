"""Reference artifacts (W&B's add_reference): files that stay where they are — on this machine or behind a
real HTTP server the test starts — are recorded by URI, size and checksum, never uploaded, and fetched from
there by download(); lineage treats the version like any other."""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stemma

from tests.s3 import S3Server
from tests.sdk.conftest import FILES_ROUTE, requests_answered, requests_since, write


class EtagHandler(SimpleHTTPRequestHandler):
    """Serves a folder; files under `tagged/` carry an ETag, as an object store's do."""

    def end_headers(self) -> None:
        if self.path.startswith("/tagged/"):
            self.send_header("ETag", '"v1-' + self.path.rsplit("/", 1)[-1] + '"')
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on a free port serving a folder of its own; yields its base URL and the folder."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(EtagHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def test_local_references_are_recorded_not_uploaded_and_download_verifies_them(
    stemma_server: str, tmp_path: Path
) -> None:
    shards = tmp_path / "lake" / "shards"
    write(shards / "a.parquet", b"rows a")
    write(shards / "b" / "c.parquet", b"rows c")
    single = write(tmp_path / "lake" / "labels.csv", b"cat,dog\n")
    data = stemma.Artifact("lake-data", "dataset")
    entries = data.add_reference(shards.as_uri(), name="shards")
    assert [(e.path, e.ref) for e in entries] == [
        ("shards/a.parquet", (shards / "a.parquet").resolve().as_uri()),
        ("shards/b/c.parquet", (shards / "b" / "c.parquet").resolve().as_uri()),
    ]
    (label,) = data.add_reference(single.as_uri())
    assert (label.path, label.digest, label.size) == ("labels.csv", hashlib.sha256(b"cat,dog\n").hexdigest(), 8)
    data.add_file(write(tmp_path / "README", b"uploaded"))
    with pytest.raises(stemma.UsageError, match=r"already holds a file named 'labels\.csv'"):
        data.add_reference(single.as_uri())
    before = requests_answered(stemma_server)
    with stemma.init(entity="zoo-team", project="lake", job_type="ingest") as run:
        run.log_artifact(data)
    puts = {key: n for key, n in requests_since(stemma_server, before).items() if key[1] == FILES_ROUTE}
    assert puts == {("PUT", FILES_ROUTE, "201"): 1}, "only the uploaded file is sent"

    stored = stemma.Api().artifact("zoo-team/lake/lake-data:v0")
    assert [(f.path, f.ref is not None) for f in stored.files] == [
        ("README", False),
        ("labels.csv", True),
        ("shards/a.parquet", True),
        ("shards/b/c.parquet", True),
    ]
    folder = Path(stored.download(tmp_path / "out"))
    assert (folder / "shards" / "b" / "c.parquet").read_bytes() == b"rows c"
    assert (folder / "README").read_bytes() == b"uploaded"
    with stemma.init(entity="zoo-team", project="lake", job_type="train") as consumer:
        consumer.use_artifact("lake-data:latest")
    assert [user.id for user in stored.used_by()] == [consumer.id]

    write(shards / "a.parquet", b"rows A")
    with pytest.raises(stemma.DigestMismatch, match="changed since it was logged"):
        stored.download(tmp_path / "again")
    write(shards / "a.parquet", b"rows A, and more")
    with pytest.raises(stemma.DigestMismatch, match="holds more than the 6 bytes it was logged with"):
        stored.download(tmp_path / "again")
    assert not list((tmp_path / "again").rglob("*.part"))
    unchanged = stemma.Artifact("lake-data", "dataset")
    unchanged.add_reference(shards.as_uri(), name="shards")
    unchanged.add_reference(single.as_uri())
    unchanged.add_file(write(tmp_path / "README", b"uploaded"))
    assert unchanged.digest != stored.digest, "new content at the same URI is new content"


def test_http_references_use_the_etag_or_read_the_object_once(
    stemma_server: str, tmp_path: Path, web: tuple[str, Path]
) -> None:
    base, served = web
    write(served / "tagged" / "model.bin", b"weights v1")
    write(served / "plain" / "vocab.txt", b"a b c")
    art = stemma.Artifact("web-model", "model")
    (tagged,) = art.add_reference(f"{base}/tagged/model.bin")
    (plain,) = art.add_reference(f"{base}/plain/vocab.txt", name="vocab/vocab.txt")
    assert (tagged.path, tagged.digest, tagged.size) == ("model.bin", '"v1-model.bin"', 10)
    assert (plain.path, plain.digest) == ("vocab/vocab.txt", hashlib.sha256(b"a b c").hexdigest())
    with stemma.init(entity="zoo-team", project="web") as run:
        run.log_artifact(art)
    folder = Path(stemma.Api().artifact("zoo-team/web/web-model:v0").download(tmp_path / "out"))
    assert (folder / "model.bin").read_bytes() == b"weights v1"
    assert (folder / "vocab" / "vocab.txt").read_bytes() == b"a b c"
    with pytest.raises(stemma.UsageError, match="HTTP 404"):
        stemma.Artifact("x", "model").add_reference(f"{base}/nothing")


def test_s3_references_are_checked_by_etag_against_a_real_s3_server(
    stemma_server: str, tmp_path: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An object and a prefix in a bucket of moto's S3 server, reached through fsspec/s3fs as on AWS (the
    endpoint and credentials from the standard AWS environment variables)."""
    for variable, value in s3.environment.items():
        monkeypatch.setenv(variable, value)
    bucket = s3.client()
    bucket.create_bucket(Bucket="stemma-refs")
    objects = {"shards/a.bin": b"shard a", "shards/b.bin": b"shard bb", "labels.csv": b"id,label\n1,cat\n"}
    for name, content in objects.items():
        bucket.put_object(Bucket="stemma-refs", Key=f"data/{name}", Body=content)
    art = stemma.Artifact("s3-data", "dataset")
    shards = art.add_reference("s3://stemma-refs/data/shards")
    (labels,) = art.add_reference("s3://stemma-refs/data/labels.csv", name="meta/labels.csv")
    assert [(e.path, e.size, e.ref) for e in shards] == [
        ("a.bin", 7, "s3://stemma-refs/data/shards/a.bin"),
        ("b.bin", 8, "s3://stemma-refs/data/shards/b.bin"),
    ]
    assert labels.digest == '"' + hashlib.md5(objects["labels.csv"]).hexdigest() + '"'  # the ETag of one part
    before = requests_answered(stemma_server)
    with stemma.init(entity="zoo-team", project="s3") as run:
        run.log_artifact(art)
    assert ("PUT", FILES_ROUTE, "201") not in requests_since(stemma_server, before)  # nothing was uploaded
    folder = Path(stemma.Api().artifact("zoo-team/s3/s3-data:v0").download(tmp_path / "out"))
    assert (folder / "a.bin").read_bytes() == b"shard a"
    assert (folder / "b.bin").read_bytes() == b"shard bb"
    assert (folder / "meta" / "labels.csv").read_bytes() == objects["labels.csv"]
    bucket.put_object(Bucket="stemma-refs", Key="data/shards/a.bin", Body=b"shard A")  # same size, new content
    with pytest.raises(stemma.DigestMismatch, match="changed since it was logged"):
        stemma.Api().artifact("zoo-team/s3/s3-data:v0").download(tmp_path / "again")
    assert not (tmp_path / "again" / "a.bin").exists()


def test_references_say_what_they_need(stemma_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as on a machine without the SDK's `s3` extra
    art = stemma.Artifact("refs", "dataset")
    with pytest.raises(stemma.UsageError, match="uri must start with file://, http://, https://, s3://, gs://"):
        art.add_reference("ftp://x.org/a")
    with pytest.raises(stemma.UsageError, match="names no file or folder on this machine"):
        art.add_reference("file:///no/such/place")
    with pytest.raises(stemma.UsageError, match=r"pip install 'stemma\[s3\]'"):
        art.add_reference("s3://bucket/key")


def test_a_hostile_version_s_references_are_not_fetched_from_devices_shares_or_metadata_services(
    stemma_server: str, tmp_path: Path
) -> None:
    """Whoever logs a version chooses its URIs; a reader's download must not become their attack."""
    log = """mutation($input: LogArtifactInput!) { logArtifact(input: $input) { artifact { ref } } }"""
    run = stemma.init(entity="zoo-team", project="traps")
    cases = {
        "device": ("file:///dev/zero", "not a regular file"),
        "share": ("file:////attacker/share/x", "names another host"),
        "metadata": ("http://169.254.169.254/latest/meta-data/", "link-local address"),
    }
    for name, (uri, words) in cases.items():
        files = [{"path": "x", "digest": "unchecked", "size": 10, "ref": uri}]
        stemma.Api().client.execute(log, {"input": {"runId": run.path, "name": name, "type": "trap", "files": files}})
        with pytest.raises(stemma.UsageError, match=words):
            stemma.Api().artifact(f"zoo-team/traps/{name}:v0").download(tmp_path / name)
        assert not (tmp_path / name / "x").exists()
    run.finish()
