"""Artifact files through the SDK: round trips, deduplicated uploads, refused corruption, verified downloads."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import stemma
from neo4j import Driver

from tests.sdk.conftest import AUTHORIZED, FILES_ROUTE, file_requests, requests_answered, requests_since, write

ENTITY, PROJECT = "files-team", "files"
UPLOAD_ROUTE = f"{FILES_ROUTE}/upload"


@pytest.fixture(params=["folder", "s3"])
def stemma_server(request: pytest.FixtureRequest, driver: Driver, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test here runs against a server keeping files in its folder and one keeping them in S3 (moto's
    server): the same answers and the same requests either way."""
    url: str = request.getfixturevalue("server" if request.param == "folder" else "s3_server")
    monkeypatch.setenv("STEMMA_BASE_URL", url)
    return url


def gets_answered(requests: dict[tuple[str, str], int]) -> int:
    """Downloads the server answered: with the bytes (200), or with a presigned URL of them in S3 (307)."""
    return requests.get(("GET", "200"), 0) + requests.get(("GET", "307"), 0)


def sample_tree(root: Path) -> dict[str, bytes]:
    """Files of awkward sizes and names, including an empty one and two with the same content."""
    contents = {
        "empty.txt": b"",
        "one.bin": b"\x00",
        "big/random.bin": os.urandom(3 * 1024 * 1024 + 17),
        "nested/deeper/notes.md": "# données — naïve café\n".encode(),
        "nested/copy-of-one.bin": b"\x00",
        "spaces in name.txt": b"spaces are fine",
    }
    for path, content in contents.items():
        write(root / path, content)
    return contents


def files_under(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_download_round_trips_every_file_byte_for_byte(stemma_server: str, tmp_path: Path) -> None:
    contents = sample_tree(tmp_path / "source")
    with stemma.init(project=PROJECT, entity=ENTITY, job_type="prepare") as run:
        logged = run.log_artifact(tmp_path / "source", name="tree", type="dataset")
    assert (logged.ref, logged.size) == ("files-team/files/tree:v0", sum(map(len, contents.values())))

    with stemma.Api() as api:
        artifact = api.artifact("files-team/files/tree:latest")
        assert [entry.path for entry in artifact.files] == sorted(contents)
        assert {entry.path: entry.digest for entry in artifact.files} == {
            path: hashlib.sha256(content).hexdigest() for path, content in contents.items()
        }
        before = file_requests(stemma_server)
        folder = artifact.download()
        assert folder == "artifacts/tree:v0"
        assert files_under(tmp_path / folder) == contents
        assert gets_answered(file_requests(stemma_server)) - gets_answered(before) == 5

        elsewhere = artifact.download(root=tmp_path / "elsewhere")
        assert files_under(Path(elsewhere)) == contents
        again = file_requests(stemma_server)
        assert artifact.download(root=tmp_path / "elsewhere") == elsewhere
        assert file_requests(stemma_server) == again


def test_relogging_identical_content_makes_no_new_version_and_uploads_nothing(
    stemma_server: str, driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("STEMMA_HEARTBEAT_SECONDS", "3600")  # no heartbeat among the requests counted
    contents = {f"part-{index}.bin": os.urandom(100 + index) for index in range(12)}  # stored nowhere yet
    contents["copy-of-part-0.bin"] = contents["part-0.bin"]
    for path, content in contents.items():
        write(tmp_path / "source" / path, content)
    distinct = 12
    with stemma.init(project=PROJECT, entity=ENTITY, name="first") as run:
        before = requests_answered(stemma_server)
        first = run.log_artifact(tmp_path / "source", name="tree", type="dataset")
        # One question for the whole artifact, each distinct content sent once, then the commit. A folder
        # store answers the first upload offer with "PUT it here"; S3 offers a URL per content, then checks it.
        sent = (
            {("POST", UPLOAD_ROUTE, "200"): 1, ("PUT", FILES_ROUTE, "201"): distinct}
            if request.node.callspec.params["stemma_server"] == "folder"
            else {("POST", UPLOAD_ROUTE, "200"): distinct, ("POST", f"{UPLOAD_ROUTE}/{{upload}}", "201"): distinct}
        )
        assert requests_since(stemma_server, before) == {("POST", "/graphql", "200"): 2, **sent}

    with stemma.init(project=PROJECT, entity=ENTITY, name="second") as run:
        again = stemma.Artifact("tree", "dataset")
        again.add_dir(tmp_path / "source")
        before = requests_answered(stemma_server)
        run.log_artifact(again, aliases=["again"])
        assert requests_since(stemma_server, before) == {("POST", "/graphql", "200"): 2}
    assert (again.ref, again.digest, sorted(again.aliases)) == (first.ref, first.digest, ["again", "latest"])

    with driver.session() as session:
        rows = session.run(
            "MATCH (v:ArtifactVersion {entity: $entity, project: $project, name: 'tree'}) "
            "OPTIONAL MATCH (r:Run)-[l:LOGGED]->(v) "
            "RETURN v.version AS version, r.name AS run, l.created AS created ORDER BY l.at",
            entity=ENTITY,
            project=PROJECT,
        ).data()
    assert rows == [
        {"version": 0, "run": "first", "created": True},
        {"version": 0, "run": "second", "created": False},
    ]


def test_a_file_changed_after_it_was_added_is_refused_by_the_server(
    stemma_server: str, driver: Driver, tmp_path: Path
) -> None:
    model = write(tmp_path / "model.pt", b"A" * 4096)
    artifact = stemma.Artifact("model", "model")
    declared = artifact.add_file(model)
    write(model, b"B" * 4096)
    with stemma.init(project=PROJECT, entity=ENTITY) as run, pytest.raises(stemma.BadUserInput) as refused:
        run.log_artifact(artifact)
    actual = hashlib.sha256(b"B" * 4096).hexdigest()
    assert refused.value.code == "BAD_USER_INPUT"
    assert refused.value.field == "model.pt"
    assert refused.value.message == (
        f"the server refused 'model.pt' ({model}): the body's sha256 is {actual}, not {declared.digest}; "
        "nothing was stored — did the file change after it was added to the artifact?"
    )
    assert artifact.is_draft()
    for digest in (declared.digest, actual):
        assert httpx.head(f"{stemma_server}/files/sha256/{digest}", headers=AUTHORIZED).status_code == 404
    with driver.session() as session:
        assert session.run("MATCH (v:ArtifactVersion) RETURN count(v)").single(strict=True).value() == 0


def test_a_file_that_changed_size_is_refused_before_anything_is_sent(stemma_server: str, tmp_path: Path) -> None:
    model = write(tmp_path / "model.pt", b"A" * 4096)
    artifact = stemma.Artifact("model", "model")
    artifact.add_file(model)
    write(model, b"A" * 5000)
    before = file_requests(stemma_server)
    with stemma.init(project=PROJECT, entity=ENTITY) as run, pytest.raises(stemma.FileChanged) as changed:
        run.log_artifact(artifact)
    assert changed.value.message == (
        f"{model} was 4096 bytes when added to the artifact as 'model.pt' and is 5000 bytes now; "
        "add it again after it stops changing"
    )
    assert file_requests(stemma_server) == before


def test_artifact_paths_and_names_are_checked_before_anything_is_sent(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"a")
    artifact = stemma.Artifact("checked", "dataset")
    with pytest.raises(stemma.UsageError, match=r"'\.\./a\.txt' cannot name a file in an artifact"):
        artifact.add_file(tmp_path / "a.txt", name="../a.txt")
    artifact.add_file(tmp_path / "a.txt", name="./dir//a.txt")
    assert [entry.path for entry in artifact.files] == ["dir/a.txt"]
    with pytest.raises(stemma.UsageError, match=r"already holds a file named 'dir/a\.txt'"):
        artifact.add_file(tmp_path / "a.txt", name="dir/a.txt")
    with pytest.raises(stemma.UsageError, match="name may hold only letters"):
        stemma.Artifact("no spaces", "dataset")
    with pytest.raises(stemma.UsageError, match="artifact 'checked' is a draft: log it from a run first"):
        _ = artifact.version


class HostileServer:
    """A real HTTP server that answers the SDK's artifact query with a chosen manifest and serves the files."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.contents = {hashlib.sha256(content).hexdigest(): content for content in files.values()}
        manifest = [
            {"path": path, "digest": hashlib.sha256(content).hexdigest(), "size": len(content)}
            for path, content in files.items()
        ]
        artifact = {
            "id": "v1",
            "entity": "e",
            "project": "p",
            "name": "evil",
            "type": "dataset",
            "version": 0,
            "ref": "e/p/evil:v0",
            "digest": "0" * 64,
            "size": sum(map(len, files.values())),
            "fileCount": len(files),
            "metadata": {},
            "description": None,
            "tags": [],
            "createdAt": "2026-01-01T00:00:00Z",
            "state": "COMMITTED",
            "aliases": [],
            "files": manifest,
        }
        answer = json.dumps({"data": {"artifact": artifact}}).encode()
        contents = self.contents
        self.served: list[str] = []
        served = self.served

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                self._send(200, answer, "application/json")

            def do_GET(self) -> None:
                digest = self.path.rsplit("/", 1)[-1]
                served.append(digest)
                self._send(200, contents[digest], "application/octet-stream")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ({"../escaped.txt": b"x"}, "../escaped.txt", "the manifest path '../escaped.txt' would be written outside"),
        ({"a/../../escaped.txt": b"x"}, "a/../../escaped.txt", "would be written outside"),
        ({"ABSOLUTE": b"x"}, "ABSOLUTE", "would be written outside"),
        ({".": b"x"}, ".", "the manifest path '.' would be written outside"),
        ({"": b"x"}, "", "the manifest path '' would be written outside"),
        ({"a": b"x", "a/b": b"y"}, "a/b", "the manifest path 'a/b' needs a folder where 'a' is a file"),
        ({"./x": b"x", "x": b"y"}, "x", "the manifest paths './x' and 'x' are the same file with different contents"),
    ],
)
def test_a_download_never_writes_outside_its_folder_whatever_the_server_sends(
    tmp_path: Path, files: dict[str, bytes], field: str, message: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    files = {str(outside / "escaped.txt") if path == "ABSOLUTE" else path: content for path, content in files.items()}
    field = str(outside / "escaped.txt") if field == "ABSOLUTE" else field
    root = outside / "download"
    with HostileServer(files) as server, stemma.Api(base_url=server.url, api_key="stm_x") as api:
        artifact = api.artifact("e/p/evil:v0")
        with pytest.raises(stemma.UnsafeManifest) as refused:
            artifact.download(root=root)
        assert server.served == []
    assert refused.value.code == "UNSAFE_MANIFEST"
    assert refused.value.field == field
    assert message in refused.value.message
    assert refused.value.message.endswith("nothing was written")
    assert sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*")) == [
        "outside",
        "outside/download",
    ]


def test_a_download_through_a_link_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "download"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with (
        HostileServer({"link/planted.txt": b"x"}) as server,
        stemma.Api(base_url=server.url, api_key="stm_x") as api,
        pytest.raises(stemma.UnsafeManifest, match=r"'link/planted\.txt' would be written outside"),
    ):
        api.artifact("e/p/evil:v0").download(root=root)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_safe_manifest_from_the_same_server_downloads(tmp_path: Path) -> None:
    files = {"a/b.txt": b"one", "a/c.txt": b"two", "d": b"one"}
    with HostileServer(files) as server, stemma.Api(base_url=server.url, api_key="stm_x") as api:
        folder = api.artifact("e/p/evil:v0").download(root=tmp_path / "download")
    assert files_under(Path(folder)) == files
