"""Artifacts and the runs recorded with them: an Artifact is a draft you add files to and log from a run, or a
logged version read back from the server; a RunInfo is a run as the server records it. They are the two kinds of
node in lineage and each leads to the other (a version's loggers, a run's inputs), so they live together."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from stemma import queries
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.files import LocalFile, ManifestEntry, entry_path, hash_file, manifest_digest
from stemma.history import read_history, scan_history
from stemma.names import check_name
from stemma.records import parse_datetime, require_datetime
from stemma.references import fetch, reference_entries
from stemma.transfer import Transfer, UploadReport, holds, target_paths


@dataclass(frozen=True)
class Version:
    """A logged version as the server reports it."""

    id: str
    entity: str
    project: str
    number: int
    ref: str
    digest: str
    size: int
    file_count: int
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    state: str
    created_at: dt.datetime


class Artifact:
    """Build one with a name and type, add files, log it from a run; or read a logged version from the server."""

    def __init__(
        self, name: str, type: str, description: str | None = None, metadata: Mapping[str, Any] | None = None
    ) -> None:
        self.name = check_name(name, "name")
        self.type = check_name(type, "type")
        self.description = description
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._local: dict[str, LocalFile] = {}
        self._references: dict[str, ManifestEntry] = {}
        self._version: Version | None = None
        self._files: list[ManifestEntry] | None = None
        self._client: GraphQLClient | None = None

    def __repr__(self) -> str:
        if self._version is None:
            return f"<Artifact draft {self.name} ({self.type}), {len(self._local)} files>"
        return f"<Artifact {self._version.ref} ({self.type})>"

    @classmethod
    def from_server(cls, data: Mapping[str, Any], client: GraphQLClient) -> Artifact:
        artifact = cls(data["name"], data["type"], data["description"], data["metadata"] or {})
        artifact._bind(data, client)
        return artifact

    def _bind(self, data: Mapping[str, Any], client: GraphQLClient) -> None:
        self.description = data["description"]
        self.metadata = dict(data["metadata"] or {})
        self._version = Version(
            id=data["id"],
            entity=data["entity"],
            project=data["project"],
            number=data["version"],
            ref=data["ref"],
            digest=data["digest"],
            size=data["size"],
            file_count=data["fileCount"],
            aliases=tuple(data["aliases"]),
            tags=tuple(data["tags"]),
            state=data["state"].lower(),
            created_at=require_datetime(data["createdAt"]),
        )
        if "files" in data:
            self._files = [entry_from_server(item) for item in data["files"]]
        self._client = client

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> ManifestEntry:
        """Add one file, stored in the artifact as `name` (default: its file name); hashed now."""
        self._draft_only("add files to")
        source = Path(local_path)
        if not source.is_file():
            raise UsageError(f"{source} is not a file", field="local_path")
        path = self._new_path(name if name is not None else source.name)
        digest, size = hash_file(source)
        self._local[path] = LocalFile(path, source, digest, size)
        return self._local[path].entry

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None) -> None:
        """Add every file under a directory, at the artifact's root or under the folder `name`."""
        self._draft_only("add files to")
        root = Path(local_path)
        if not root.is_dir():
            raise UsageError(f"{root} is not a directory", field="local_path")
        prefix = entry_path(name) + "/" if name else ""
        for source in sorted(path for path in root.rglob("*") if path.is_file()):
            self.add_file(source, prefix + source.relative_to(root).as_posix())

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None) -> Iterator[IO[Any]]:
        """Write a file straight into the draft, as W&B's `new_file`: `with art.new_file("labels.txt") as f:`.
        It is written in a folder of its own under the system's temporary folder and added when the block ends."""
        self._draft_only("add files to")
        path = self._new_path(name)
        if mode not in ("x", "w", "xb", "wb"):
            raise UsageError(f"mode must be 'x', 'w', 'xb' or 'wb' (a new file to write); got {mode!r}", field="mode")
        target = Path(tempfile.mkdtemp(prefix="stemma-new-file-")) / PurePosixPath(path).name
        with open(target, mode, encoding=encoding) as handle:
            yield handle
        self.add_file(target, path)

    def add_reference(
        self, uri: str, name: str | None = None, checksum: bool = True, max_objects: int | None = None
    ) -> list[ManifestEntry]:
        """Record files that stay where they are, as W&B's `add_reference`: a `file://` file or folder, an
        `http(s)://` object, or an `s3://`/`gs://` object or prefix (see `stemma.references`). Nothing is
        uploaded; the version names them by URI, size and checksum, and `download()` fetches them from there."""
        self._draft_only("add references to")
        entries = reference_entries(uri, name, checksum, max_objects)
        for entry in entries:
            self._new_path(entry.path)
        self._references.update((entry.path, entry) for entry in entries)
        return entries

    def _new_path(self, name: str) -> str:
        path = entry_path(name)
        if path in self._local or path in self._references:
            raise UsageError(f"the artifact already holds a file named {path!r}", field="name")
        return path

    def wait(self, timeout: float | None = None) -> Artifact:
        """W&B's wait for a logged version to be committed: `log_artifact` returns once it is, so a logged
        artifact is ready at once."""
        self._logged()
        return self

    def is_draft(self) -> bool:
        return self._version is None

    @property
    def files(self) -> list[ManifestEntry]:
        """Every file: its path inside the artifact, sha256 and size."""
        if self._version is None:
            drafted = [file.entry for file in self._local.values()] + list(self._references.values())
            return sorted(drafted, key=lambda entry: entry.path)
        if self._files is None:
            data = self._connection().execute(queries.ARTIFACT_FILES, {"ref": self._version.ref})
            self._files = [entry_from_server(item) for item in data["artifact"]["files"]]
        return list(self._files)

    @property
    def digest(self) -> str:
        """sha256 of the manifest; a draft's digest is the one the server will give it."""
        return self._version.digest if self._version else manifest_digest(self.files)

    @property
    def size(self) -> int:
        return self._version.size if self._version else sum(file.size for file in self._local.values())

    @property
    def aliases(self) -> list[str]:
        return list(self._version.aliases) if self._version else []

    @property
    def id(self) -> str:
        return self._logged().id

    @property
    def entity(self) -> str:
        return self._logged().entity

    @property
    def project(self) -> str:
        return self._logged().project

    @property
    def version(self) -> str:
        """The version as wandb names it: v0, v1, …"""
        return f"v{self._logged().number}"

    @property
    def version_number(self) -> int:
        return self._logged().number

    @property
    def qualified_name(self) -> str:
        """ENTITY/PROJECT/NAME:vN."""
        return self._logged().ref

    ref = qualified_name

    @property
    def state(self) -> str:
        """committed, or deleted (gone from listings, kept in lineage)."""
        return self._logged().state

    @property
    def tags(self) -> list[str]:
        return list(self._logged().tags)

    @property
    def created_at(self) -> dt.datetime:
        return self._logged().created_at

    def download(self, root: str | os.PathLike[str] | None = None) -> str:
        """Write the files under `root` (default ./artifacts/NAME:vN), each verified against its sha256."""
        target = Path(root) if root is not None else Path("artifacts") / self._default_folder()
        target.mkdir(parents=True, exist_ok=True)
        client = self._connection()
        entries = self.files
        paths = target_paths(target, entries)  # the whole manifest is checked before anything is written
        Transfer(client).download([entry for entry in entries if entry.ref is None], target, self.ref)
        for entry, path in zip(entries, paths, strict=True):
            if entry.ref is not None and not holds(path, entry):
                fetch(entry, path)
        return str(target)

    def logged_by(self) -> RunInfo | None:
        """The run that first logged this content, as in wandb."""
        data = self._connection().execute(queries.CREATED_BY, {"ref": self.ref})
        creator = data["artifact"]["createdBy"]
        return RunInfo.from_server(creator, self._client) if creator else None

    def loggers(self) -> list[RunInfo]:
        """Every run that logged this content, newest first."""
        return self._runs(queries.LOGGED_BY)

    def used_by(self) -> list[RunInfo]:
        """Runs that used this version as an input, newest first."""
        return self._runs(queries.USED_BY)

    def _runs(self, document: str) -> list[RunInfo]:
        client = self._connection()
        return [RunInfo.from_server(node, client) for node in client.nodes(document, {"ref": self.ref}, "artifact")]

    def _default_folder(self) -> str:
        separator = "-" if os.name == "nt" else ":"
        return f"{self.name}{separator}{self.version}"

    def _draft_only(self, action: str) -> None:
        if self._version is not None:
            raise UsageError(f"{self._version.ref} is logged; a logged version is immutable, so you cannot {action} it")

    def _logged(self) -> Version:
        if self._version is None:
            raise UsageError(f"artifact {self.name!r} is a draft: log it from a run first")
        return self._version

    def _connection(self) -> GraphQLClient:
        self._logged()
        assert self._client is not None
        return self._client


def entry_from_server(item: Mapping[str, Any]) -> ManifestEntry:
    return ManifestEntry(item["path"], item["digest"], item["size"], item.get("ref"))


@dataclass(frozen=True)
class RunInfo:
    """A run as the server records it; like wandb's public Run, `id` is the short id and `path` the full one
    (ENTITY/PROJECT/RUN_ID); `node_id` is the server's global id, which lineage edges name."""

    path: str
    id: str
    entity: str
    project: str
    name: str | None
    state: str
    job_type: str | None
    group: str | None
    config: dict[str, Any]
    summary: dict[str, Any]
    last_step: int | None
    tags: tuple[str, ...]
    notes: str | None
    user: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    node_id: str = ""
    client: GraphQLClient | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_server(cls, data: Mapping[str, Any], client: GraphQLClient | None = None) -> RunInfo:
        return cls(
            path=data["ref"],
            node_id=data["id"],
            id=data["runId"],
            entity=data["entity"],
            project=data["project"],
            name=data["name"],
            state=data["state"].lower(),
            job_type=data["jobType"],
            group=data["group"],
            config=dict(data["config"] or {}),
            summary=dict(data.get("summary") or {}),
            last_step=data.get("lastStep"),
            tags=tuple(data["tags"]),
            notes=data["notes"],
            user=data.get("user"),
            created_at=require_datetime(data["createdAt"]),
            finished_at=parse_datetime(data["finishedAt"]),
            heartbeat_at=parse_datetime(data["heartbeatAt"]),
            client=client,
        )

    def history(self, samples: int | None = None, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The rows the run logged, in step order (as `Run.history`); at most `samples` of them, evenly spaced,
        when given. W&B's public Api returns a DataFrame; this is the list of rows (`pandas.DataFrame(rows)`)."""
        return read_history(self._client_or_refuse(), self.path, keys, samples)

    def scan_history(
        self,
        keys: Sequence[str] | None = None,
        page_size: int = 1000,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every row, read a page at a time as iteration reaches it (W&B's `scan_history`)."""
        return scan_history(self._client_or_refuse(), self.path, keys, page_size, min_step, max_step)

    def _client_or_refuse(self) -> GraphQLClient:
        if self.client is None:
            raise UsageError("this RunInfo was built without a connection to the server")
        return self.client

    def used_artifacts(self) -> list[Artifact]:
        """Artifact versions this run used, newest use first."""
        return self._artifacts(queries.RUN_INPUTS)

    def logged_artifacts(self) -> list[Artifact]:
        """Artifact versions this run logged, newest first."""
        return self._artifacts(queries.RUN_OUTPUTS)

    def _artifacts(self, document: str) -> list[Artifact]:
        if self.client is None:
            raise UsageError("this RunInfo was built without a connection to the server")
        client = self.client
        return [Artifact.from_server(node, client) for node in client.nodes(document, {"id": self.path}, "run")]


def log_artifact(client: GraphQLClient, run_path: str, artifact: Artifact, aliases: Sequence[str]) -> UploadReport:
    """Upload the draft's missing contents, then commit its manifest as a version logged by the run.

    The commit is idempotent: the same content makes the same version, so a retried commit never
    makes a second one. A logged artifact logged again adds this run as a logger of that version."""
    files = list(artifact._local.values())
    report = Transfer(client).upload(files, artifact.name)
    payload = {
        "runId": run_path,
        "name": artifact.name,
        "type": artifact.type,
        "files": [entry.as_input() for entry in artifact.files],
        "metadata": artifact.metadata,
        "description": artifact.description,
        "aliases": list(aliases),
    }
    data = client.execute(queries.LOG_ARTIFACT, {"input": payload})
    artifact._bind(data["logArtifact"]["artifact"], client)
    return report
