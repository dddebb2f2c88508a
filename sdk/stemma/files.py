"""Local files in an artifact: paths inside the artifact, sha256 computed while streaming, the manifest digest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from stemma.errors import FileChanged, UsageError

CHUNK_BYTES = 1 << 20
MAX_PATH = 1024


@dataclass(frozen=True)
class ManifestEntry:
    """One file of an artifact version: its path inside the artifact, sha256 and size in bytes; a reference
    (`add_reference`) also has its URI, `ref`, and its checksum may be an ETag."""

    path: str
    digest: str
    size: int
    ref: str | None = None

    def as_input(self) -> dict[str, Any]:
        """The entry as the server's FileInput takes it."""
        sent: dict[str, Any] = {"path": self.path, "digest": self.digest, "size": self.size}
        if self.ref is not None:
            sent["ref"] = self.ref
        return sent


@dataclass(frozen=True)
class LocalFile:
    """A file on this machine added to an artifact, hashed when it was added."""

    path: str
    local_path: Path
    digest: str
    size: int

    @property
    def entry(self) -> ManifestEntry:
        return ManifestEntry(self.path, self.digest, self.size)


def hash_file(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file, read in chunks so memory stays flat whatever its size."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def check_unchanged(file: LocalFile) -> None:
    """FileChanged when the file is gone or its size differs from when it was added."""
    try:
        size = file.local_path.stat().st_size
    except FileNotFoundError as exc:
        raise FileChanged(
            f"{file.local_path}, added to the artifact as {file.path!r}, is gone", field=file.path
        ) from exc
    if size != file.size:
        raise _changed(file, size)


def _changed(file: LocalFile, size: int | None) -> FileChanged:
    now = "more" if size is None else str(size)
    return FileChanged(
        f"{file.local_path} was {file.size} bytes when added to the artifact as {file.path!r} and is "
        f"{now} bytes now; add it again after it stops changing",
        field=file.path,
    )


def read_file(file: LocalFile, offset: int = 0, size: int | None = None) -> Iterator[bytes]:
    """The file's content in chunks, or `size` bytes of it from `offset` (a part of a multipart upload: the
    server checks the whole after); FileChanged when its size is no longer the size it was added with."""
    wanted = file.size - offset if size is None else size
    sent = 0
    with file.local_path.open("rb") as handle:
        handle.seek(offset)
        while chunk := handle.read(CHUNK_BYTES if size is None else min(CHUNK_BYTES, wanted - sent)):
            sent += len(chunk)
            if sent > wanted:
                break
            yield chunk
    if sent != wanted:
        raise _changed(file, None if sent > wanted else offset + sent)


def entry_path(name: str) -> str:
    """A path inside an artifact: relative, '/'-separated, without '..' or empty parts."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.startswith(("/", "\\")) or ".." in parts or len(name) > MAX_PATH or "\0" in name:
        raise UsageError(f"{name!r} cannot name a file in an artifact: use a relative path without '..'", field="name")
    return "/".join(parts)


def manifest_digest(entries: Iterable[ManifestEntry]) -> str:
    """sha256 over `path NUL digest NUL size LF` of each file in path order (`... NUL ref LF` for a reference) —
    the server's content digest."""
    hasher = hashlib.sha256()
    for entry in sorted(entries, key=lambda entry: entry.path):
        line = f"{entry.path}\0{entry.digest}\0{entry.size}"
        hasher.update(f"{line}\n".encode() if entry.ref is None else f"{line}\0{entry.ref}\n".encode())
    return hasher.hexdigest()
