"""An artifact's manifest: its files' paths, sha256 digests and sizes, and the digest naming the content.

A reference (W&B's `add_reference`) is a file that stays where it is, at a URI (`file://`, `http(s)://`,
`s3://`, `gs://`): it is recorded by the checksum the client read there (a sha256, or an ETag) and never
uploaded, so it is neither checked against the file store nor a claim on any stored content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cypher.errors import InvalidInput

MAX_FILES = 100_000
MAX_PATH = 1024
MAX_SIZE = 2**63 - 1
MAX_REF = 2048
MAX_CHECKSUM = 256
REF_SCHEMES = ("file", "http", "https", "s3", "gs")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REF = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://[^\x00-\x20\x7f]+")
_CHECKSUM = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    digest: str
    size: int
    ref: str | None = None  # a reference's URI; None for content uploaded to the file store


@dataclass(frozen=True)
class Manifest:
    entries: tuple[ManifestEntry, ...]

    @property
    def digest(self) -> str:
        """sha256 over `path NUL digest NUL size LF` of each file, in path order."""
        hasher = hashlib.sha256()
        for entry in self.entries:
            line = f"{entry.path}\0{entry.digest}\0{entry.size}"
            hasher.update(f"{line}\n".encode() if entry.ref is None else f"{line}\0{entry.ref}\n".encode())
        return hasher.hexdigest()

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.entries)

    @property
    def stored(self) -> list[ManifestEntry]:
        """The files whose content is in the file store (every entry but the references)."""
        return [entry for entry in self.entries if entry.ref is None]

    @property
    def references(self) -> list[ManifestEntry]:
        return [entry for entry in self.entries if entry.ref is not None]

    @property
    def paths(self) -> list[str]:
        return [entry.path for entry in self.stored]

    @property
    def digests(self) -> list[str]:
        """The stored contents' sha256 digests: what the caller must hold, and what the version contains."""
        return [entry.digest for entry in self.stored]

    @property
    def sizes(self) -> list[int]:
        return [entry.size for entry in self.stored]


def check_manifest(files: Sequence[Mapping[str, Any]], field: str = "files") -> Manifest:
    """Validate every entry (a normalised relative path, sha256 hex, 0 ≤ size < 2^63) and the set of paths
    (none repeated, no file where another path needs a folder), and sort by path."""
    if len(files) > MAX_FILES:
        raise InvalidInput(f"{field} lists {len(files)} files; at most {MAX_FILES} are allowed", field=field)
    entries = []
    where_is: dict[str, str] = {}
    for index, item in enumerate(files):
        where = f"{field}[{index}]"
        path, digest, size = item.get("path"), item.get("digest"), item.get("size")
        check_path(path, f"{where}.path")
        assert isinstance(path, str)
        if path in where_is:
            raise InvalidInput(
                f"{where}.path {path[:80]!r} appears twice (also {where_is[path]})", field=f"{where}.path"
            )
        where_is[path] = f"{where}.path"
        ref = check_ref(item.get("ref"), f"{where}.ref")
        if ref is not None:
            if not isinstance(digest, str) or len(digest) > MAX_CHECKSUM or not _CHECKSUM.fullmatch(digest):
                raise InvalidInput(
                    f"{where}.digest: a reference's checksum (a sha256 or an ETag) is 1 to {MAX_CHECKSUM} printable "
                    "characters without spaces",
                    field=f"{where}.digest",
                )
        elif not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise InvalidInput(f"{where}.digest must be 64 lowercase hex characters (sha256)", field=f"{where}.digest")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_SIZE:
            raise InvalidInput(f"{where}.size must be a whole number of bytes from 0 to 2^63-1", field=f"{where}.size")
        entries.append(ManifestEntry(path, digest, size, ref))
    for path, where in where_is.items():
        folder = path.rpartition("/")[0]
        while folder:
            if folder in where_is:
                raise InvalidInput(
                    f"{where} {path[:80]!r} needs a folder {folder[:80]!r}, which {where_is[folder]} names as a "
                    "file; a path cannot be both",
                    field=where,
                )
            folder = folder.rpartition("/")[0]
    manifest = Manifest(tuple(sorted(entries, key=lambda entry: entry.path)))
    if manifest.size > MAX_SIZE:
        raise InvalidInput(f"{field}: the sizes add up to more than 2^63-1 bytes", field=field)
    return manifest


def check_ref(ref: object, field: str) -> str | None:
    """A reference's URI: one of REF_SCHEMES, at most MAX_REF characters, no spaces or control characters."""
    if ref is None:
        return None
    found = _REF.fullmatch(ref) if isinstance(ref, str) and len(ref) <= MAX_REF else None
    if found is None or found.group("scheme") not in REF_SCHEMES:
        raise InvalidInput(
            f"{field} must be a URI of {', '.join(s + '://' for s in REF_SCHEMES)}, at most {MAX_REF} characters "
            f"without spaces; got {str(ref)[:80]!r}",
            field=field,
        )
    return found.group(0)


def check_path(path: object, field: str) -> str:
    """A normalised relative POSIX path: `a/b.txt`, never `/a`, `a//b`, `./a`, `a/..`, `.`, `a\\b` or NUL,
    so every client writes each file to one place inside its download folder."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise InvalidInput(f"{field} must be 1 to {MAX_PATH} characters", field=field)
    problem = _path_problem(path)
    if problem is not None:
        raise InvalidInput(
            f"{field} must be a normalised relative POSIX path; {problem}; got {path[:80]!r}", field=field
        )
    return path


def _path_problem(path: str) -> str | None:
    if "\0" in path:
        return "it holds a NUL character"
    if "\\" in path:
        return "it holds a backslash (use '/')"
    if path.startswith("/"):
        return "it is absolute (starts with '/')"
    segments = path.split("/")
    if "" in segments:
        return "it has an empty segment ('//' or a trailing '/')"
    if "." in segments or ".." in segments:
        return "it has a '.' or '..' segment"
    return None
