"""References, as W&B's `add_reference`: files that stay where they are, recorded by URI, size and checksum
and never uploaded; `download()` fetches them from there.

- `file://` — a file or a folder (each file under it, up to `max_objects`), checksummed by sha256.
- `http://`, `https://` — one object: its ETag, else its sha256 read once; fetched without Stemma's key.
- `s3://`, `gs://` — an object or a prefix through fsspec (`pip install 'stemma[s3]'`, or gcsfs for gs://),
  by the ETag (or md5) the store gives.

With `checksum=False` nothing is read but sizes: the checksum is `unchecked`, so changed content at the same
URI is the same version, as in W&B. A download is verified by sha256 and size when the checksum is a sha256,
else by size only (an ETag is the store's, not a digest Stemma can recompute)."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import httpx

from stemma.errors import DigestMismatch, UsageError
from stemma.files import CHUNK_BYTES, ManifestEntry, entry_path, hash_file

SCHEMES = ("file", "http", "https", "s3", "gs")
UNCHECKED = "unchecked"
SHA256 = re.compile(r"[0-9a-f]{64}")
_CHECKSUM = re.compile(r"[\x21-\x7e]{1,256}")  # what the server takes as a reference's checksum
TIMEOUT = httpx.Timeout(30.0)
IDENTITY = {"accept-encoding": "identity"}  # the bytes as stored: sizes and digests of what is kept, not a gzip
METADATA_HOSTS = ("metadata.google.internal", "metadata", "instance-data")


def reference_entries(uri: str, name: str | None, checksum: bool, max_objects: int | None) -> list[ManifestEntry]:
    """The manifest entries `uri` stands for: one per object, under `name` (default: the URI's last part)."""
    if not isinstance(uri, str):
        raise UsageError(f"uri must be a string; got {uri!r}", field="uri")
    scheme = urlsplit(uri).scheme
    if scheme not in SCHEMES or "://" not in uri:
        raise UsageError(f"uri must start with {', '.join(s + '://' for s in SCHEMES)}; got {uri!r}", field="uri")
    uri = scheme + uri[len(scheme) :]  # the scheme in lower case, as the server takes it
    limit = max_objects if max_objects is not None else 10_000
    if scheme == "file":
        return _local(uri, name, checksum, limit)
    if scheme in ("http", "https"):
        return [_web(uri, name, checksum)]
    return _store(uri, name, limit)


def fetch(entry: ManifestEntry, target: Path) -> None:
    """Write the reference's object to `target` (through a partial file), verified as the module says. Whoever
    logged the version chose the URI, so a download reads at most the declared size, a `file://` reference
    only a regular file on this machine (never a network share), and an `http(s)://` one no link-local
    address (a cloud's metadata service); nothing of Stemma's (its key) is ever sent."""
    assert entry.ref is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with partial.open("wb") as out:
            for chunk in _read(entry):
                if out.tell() + len(chunk) > entry.size:
                    raise DigestMismatch(
                        f"reference {entry.ref} ({entry.path!r}) holds more than the {entry.size} bytes it was "
                        "logged with; nothing was written",
                        field=entry.path,
                    )
                out.write(chunk)
        _verify(entry, partial)
        os.replace(partial, target)
    except (OSError, httpx.HTTPError) as exc:
        raise UsageError(f"cannot fetch reference {entry.ref} ({entry.path!r}): {exc}", field=entry.path) from exc
    finally:
        partial.unlink(missing_ok=True)


def _read(entry: ManifestEntry) -> Iterator[bytes]:
    assert entry.ref is not None
    scheme = urlsplit(entry.ref).scheme
    if scheme == "file":
        path = _local_path(entry.ref)
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO would block the open itself
            raise UsageError(f"reference {entry.ref} is not a regular file", field=entry.path)
        with path.open("rb") as source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise UsageError(f"reference {entry.ref} is not a regular file", field=entry.path)
            while chunk := source.read(CHUNK_BYTES):
                yield chunk
    elif scheme in ("http", "https"):
        with _web_client() as client, client.stream("GET", entry.ref) as response:
            if response.status_code != 200:
                raise UsageError(f"cannot fetch reference {entry.ref}: HTTP {response.status_code}", field=entry.path)
            yield from response.iter_raw(CHUNK_BYTES)
    else:
        fs, key = _filesystem(entry.ref)
        fs.invalidate_cache(key)
        checksum = _store_checksum(fs.info(key), entry.ref)
        if checksum != entry.digest:  # an object rewritten with the same size still changes its ETag
            raise DigestMismatch(
                f"reference {entry.ref} ({entry.path!r}) changed since it was logged: its checksum was "
                f"{entry.digest}, it is {checksum}",
                field=entry.path,
            )
        with fs.open(key, "rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk


def _web_client() -> httpx.Client:
    """Redirects are followed, each hop checked like the first; none of Stemma's credentials are sent."""
    return httpx.Client(
        follow_redirects=True,
        timeout=TIMEOUT,
        headers=IDENTITY,
        event_hooks={"request": [lambda request: _refuse_link_local(str(request.url), "uri")]},
    )


def _refuse_link_local(uri: str, field: str) -> None:
    """A link-local address (169.254.0.0/16, fe80::/10) serves a cloud machine's credentials: never fetched."""
    host = urlsplit(uri).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return  # the fetch itself will say the host is unknown
    if host.lower() in METADATA_HOSTS or any(
        ipaddress.ip_address(str(a).split("%")[0]).is_link_local for a in addresses
    ):
        raise UsageError(f"reference {uri} names a link-local address; it is not fetched", field=field)


def _verify(entry: ManifestEntry, path: Path) -> None:
    """sha256 and size for a sha256 checksum; size alone for an ETag or `unchecked`."""
    digest, size = hash_file(path) if SHA256.fullmatch(entry.digest) else (entry.digest, path.stat().st_size)
    if (digest, size) != (entry.digest, entry.size):
        raise DigestMismatch(
            f"reference {entry.ref} ({entry.path!r}) changed since it was logged: it was {entry.size} bytes with "
            f"checksum {entry.digest}, it is {size} bytes with {digest}",
            field=entry.path,
        )


def _local(uri: str, name: str | None, checksum: bool, limit: int) -> list[ManifestEntry]:
    root = _local_path(uri)
    if root.is_file():
        return [_local_entry(root, entry_path(name or root.name), checksum)]
    if not root.is_dir():
        raise UsageError(f"{uri} names no file or folder on this machine", field="uri")
    files = sorted(path for path in root.rglob("*") if path.is_file())
    if len(files) > limit:
        raise UsageError(f"{uri} holds {len(files)} files, more than max_objects={limit}", field="max_objects")
    prefix = entry_path(name) + "/" if name else ""
    return [_local_entry(path, prefix + path.relative_to(root).as_posix(), checksum) for path in files]


def _local_entry(path: Path, inside: str, checksum: bool) -> ManifestEntry:
    digest, size = hash_file(path) if checksum else (UNCHECKED, path.stat().st_size)
    return ManifestEntry(inside, digest, size, path.resolve().as_uri())


def _local_path(uri: str) -> Path:
    """The path of a `file://` URI on this machine; another host, or a path naming a network share
    (`file:////host/share`, which Windows would open over SMB), is refused."""
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost") or parts.path.startswith("//"):
        raise UsageError(f"{uri} names another host; a file:// reference is on this machine", field="uri")
    return Path(url2pathname(parts.path))  # url2pathname decodes %-escapes itself


def _web(uri: str, name: str | None, checksum: bool) -> ManifestEntry:
    inside = entry_path(name or PurePosixPath(unquote(urlsplit(uri).path)).name or "index")
    try:
        with _web_client() as client:
            head = client.head(uri)
        if head.status_code >= 400:
            raise UsageError(f"cannot read reference {uri}: HTTP {head.status_code}", field="uri")
        etag, length = head.headers.get("etag"), head.headers.get("content-length")
        if length is not None and not length.isdigit():
            length = None
        if etag and length is not None and _CHECKSUM.fullmatch(etag):
            return ManifestEntry(inside, etag, int(length), uri)
        if not checksum and length is not None:
            return ManifestEntry(inside, UNCHECKED, int(length), uri)
        hasher, size = hashlib.sha256(), 0
        with _web_client() as client, client.stream("GET", uri) as response:
            if response.status_code != 200:
                raise UsageError(f"cannot read reference {uri}: HTTP {response.status_code}", field="uri")
            for chunk in response.iter_raw(CHUNK_BYTES):
                hasher.update(chunk)
                size += len(chunk)
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot read reference {uri}: {exc}", field="uri") from exc
    return ManifestEntry(inside, hasher.hexdigest(), size, uri)


def _store(uri: str, name: str | None, limit: int) -> list[ManifestEntry]:
    """An object, or every object under a prefix, of an fsspec store, by the ETag (or md5) it reports."""
    fs, path = _filesystem(uri)
    scheme = urlsplit(uri).scheme
    if fs.isfile(path):
        objects = {path: fs.info(path)}
        base = PurePosixPath(path).parent.as_posix()
    else:
        objects = fs.find(path, maxdepth=None, withdirs=False, detail=True)
        base = path.rstrip("/")
        if not objects:
            raise UsageError(f"{uri} names no object", field="uri")
    if len(objects) > limit:
        raise UsageError(f"{uri} holds {len(objects)} objects, more than max_objects={limit}", field="max_objects")
    entries = []
    for key, info in sorted(objects.items()):
        relative = PurePosixPath(key).relative_to(base).as_posix()
        inside = entry_path(name if name and len(objects) == 1 else f"{name}/{relative}" if name else relative)
        entries.append(
            ManifestEntry(inside, _store_checksum(info, uri), int(info.get("size") or 0), f"{scheme}://{key}")
        )
    return entries


def _store_checksum(info: dict[str, Any], uri: str) -> str:
    for key in ("ETag", "etag", "md5Hash", "md5"):
        value = info.get(key)
        if isinstance(value, str) and value:
            return value.replace(" ", "")
    raise UsageError(f"the store gives no ETag or md5 for {uri}", field="uri")


def _filesystem(uri: str) -> tuple[Any, str]:
    try:
        import fsspec  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise UsageError(
            f"{uri}: s3:// and gs:// references need fsspec and the store's package: pip install 'stemma[s3]' "
            "(or gcsfs for gs://)",
            field="uri",
        ) from exc
    try:
        return fsspec.core.url_to_fs(uri)  # type: ignore[no-any-return]
    except ImportError as exc:
        raise UsageError(f"{uri}: {exc}", field="uri") from exc
