"""An artifact's manifest: its files' paths, sha256 digests and sizes, and the digest naming the content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cypher.errors import InvalidInput

MAX_FILES = 100_000
MAX_PATH = 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    digest: str
    size: int


@dataclass(frozen=True)
class Manifest:
    entries: tuple[ManifestEntry, ...]

    @property
    def digest(self) -> str:
        """sha256 over `path NUL digest NUL size LF` of each file, in path order."""
        hasher = hashlib.sha256()
        for entry in self.entries:
            hasher.update(f"{entry.path}\0{entry.digest}\0{entry.size}\n".encode())
        return hasher.hexdigest()

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.entries)

    @property
    def paths(self) -> list[str]:
        return [entry.path for entry in self.entries]

    @property
    def digests(self) -> list[str]:
        return [entry.digest for entry in self.entries]

    @property
    def sizes(self) -> list[int]:
        return [entry.size for entry in self.entries]


def check_manifest(files: Sequence[Mapping[str, Any]], field: str = "files") -> Manifest:
    """Validate every entry (relative path, sha256 hex, size ≥ 0, no repeated path) and sort by path."""
    if len(files) > MAX_FILES:
        raise InvalidInput(f"{field} lists {len(files)} files; at most {MAX_FILES} are allowed", field=field)
    entries = []
    seen: set[str] = set()
    for index, item in enumerate(files):
        where = f"{field}[{index}]"
        path, digest, size = item.get("path"), item.get("digest"), item.get("size")
        if not isinstance(path, str) or not path or len(path) > MAX_PATH:
            raise InvalidInput(f"{where}.path must be 1 to {MAX_PATH} characters", field=f"{where}.path")
        if "\0" in path or path.startswith("/") or ".." in path.split("/") or "\\" in path:
            raise InvalidInput(
                f"{where}.path must be a relative path without '..', backslashes or NUL; got {path[:80]!r}",
                field=f"{where}.path",
            )
        if path in seen:
            raise InvalidInput(f"{where}.path {path[:80]!r} appears twice", field=f"{where}.path")
        seen.add(path)
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise InvalidInput(f"{where}.digest must be 64 lowercase hex characters (sha256)", field=f"{where}.digest")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidInput(f"{where}.size must be a whole number of bytes ≥ 0", field=f"{where}.size")
        entries.append(ManifestEntry(path, digest, size))
    return Manifest(tuple(sorted(entries, key=lambda entry: entry.path)))
