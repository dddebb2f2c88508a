"""Moving file contents: ask once which contents the server needs, upload those several files at a time, and
download with every digest verified; a Rich progress bar shows transfers of large artifacts."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from stemma import queries
from stemma.client import GraphQLClient, error_from_response
from stemma.errors import BadUserInput, DigestMismatch, NotFound, Unavailable, UnsafeManifest
from stemma.files import CHUNK_BYTES, LocalFile, ManifestEntry, check_unchanged, hash_file, read_file
from stemma.transport import RetryLater

PROGRESS_BYTES = 32 * 1024 * 1024
MAX_DIGESTS = 10_000  # the most digests the server's missingFiles query takes at once
T = TypeVar("T")
Advance = Callable[[int], None]


@dataclass(frozen=True)
class UploadReport:
    """What an upload did: files sent, files the server already held, bytes sent."""

    uploaded: int
    skipped: int
    bytes: int


DIRECT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
SIGNED = ("X-Amz-Signature", "X-Amz-Credential")


class HideSignedQueries(logging.Filter):
    """httpx logs every request's URL at INFO; a presigned URL's query is a credential until it expires, and
    secrets never reach a log: such a URL is logged without its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.copy_with(query=None) if isinstance(arg, httpx.URL) and any(s in str(arg) for s in SIGNED) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(HideSignedQueries())
DIRECT_PARTS = 4  # parts of one large file in flight at once


def counted_body(
    file: LocalFile, advance: Advance, offset: int = 0, size: int | None = None
) -> Callable[[], Iterator[bytes]]:
    """A fresh body of the file (or of `size` bytes from `offset`) for each attempt, moving the progress bar
    (back to where it was when it starts over)."""
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        advance(-sent)
        sent = 0
        for chunk in read_file(file, offset, size):
            sent += len(chunk)
            advance(len(chunk))
            yield chunk

    return body


def direct_parts(offer: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """The presigned PUTs of an upload offer, each with its part's offset and size ([] when the server takes
    the content itself); a server that offers one URL without parts offers the whole file there."""
    parts: list[dict[str, Any]] = offer.get("parts") or []
    if not parts and offer.get("url"):
        parts = [{"url": offer["url"], "headers": offer.get("headers", {}), "offset": 0, "size": size}]
    return parts


def file_path(digest: str) -> str:
    return f"/files/sha256/{digest}"


class Transfer:
    """File transfers over one client's connections, `upload_workers` files at a time."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client
        self.transport = client.transport
        self.workers = client.settings.upload_workers
        self._store: httpx.Client | None = None
        self._store_lock = threading.Lock()

    def store(self) -> httpx.Client:
        """Connections to object storage, without any of Stemma's credentials, shared by this transfer's threads
        (made on first use: each client costs a tenth of a second loading CA certificates)."""
        with self._store_lock:
            if self._store is None:
                self._store = httpx.Client(timeout=DIRECT_TIMEOUT)
            return self._store

    @contextlib.contextmanager
    def _store_connections(self) -> Iterator[None]:
        try:
            yield
        finally:
            with self._store_lock:
                if self._store is not None:
                    self._store.close()
                    self._store = None

    def upload(self, files: Sequence[LocalFile], label: str) -> UploadReport:
        """Upload each distinct content the server asks for; the server checks every body's sha256."""
        for file in files:
            check_unchanged(file)
        unique = list({file.digest: file for file in files}.values())
        missing = self.missing([file.digest for file in unique])
        todo = [file for file in unique if file.digest in missing]
        total = sum(file.size for file in todo)
        with (
            progress_bar(f"uploading {label}", total, enabled=total >= PROGRESS_BYTES) as advance,
            self._store_connections(),
        ):
            first = 1 if todo and self.client.direct_uploads is None else 0
            if first:  # its answer says how the rest go
                self._send(todo[0], advance)
            self._each(lambda file: self._send(file, advance), todo[first:])
        return UploadReport(uploaded=len(todo), skipped=len(unique) - len(todo), bytes=total)

    def download(self, entries: Sequence[ManifestEntry], root: Path, label: str) -> None:
        """Write every entry under `root`: files already there with the right content stay, each missing
        content is fetched once, and other paths with the same content are copied from it."""
        sources: dict[str, Path] = {}
        fetch: dict[str, tuple[ManifestEntry, Path]] = {}
        copies: list[tuple[ManifestEntry, Path]] = []
        for entry, target in zip(entries, target_paths(root, entries), strict=True):
            if holds(target, entry):
                sources.setdefault(entry.digest, target)
            elif entry.digest in fetch:
                copies.append((entry, target))
            else:
                fetch[entry.digest] = (entry, target)
        todo = [(entry, target) for digest, (entry, target) in fetch.items() if digest not in sources]
        copies += [(entry, target) for digest, (entry, target) in fetch.items() if digest in sources]
        total = sum(entry.size for entry, _ in todo)
        with (
            progress_bar(f"downloading {label}", total, enabled=total >= PROGRESS_BYTES) as advance,
            self._store_connections(),
        ):
            self._each(lambda item: self._get(item[0], item[1], advance), todo)
        for entry, target in copies:
            source = sources.get(entry.digest) or fetch[entry.digest][1]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            shutil.copyfile(source, partial)
            os.replace(partial, target)

    def missing(self, digests: Sequence[str]) -> set[str]:
        """The digests among `digests` the server needs uploaded before a manifest may name them: one question
        per `MAX_DIGESTS` of them, instead of one request per file."""
        missing: set[str] = set()
        for start in range(0, len(digests), MAX_DIGESTS):
            data = self.client.execute(queries.MISSING_FILES, {"digests": list(digests[start : start + MAX_DIGESTS])})
            missing.update(data["missingFiles"])
        return missing

    def _each(self, step: Callable[[T], None], items: Sequence[T]) -> None:
        """`step` over items in threads; the first failure cancels what has not started and is raised."""
        if not items:
            return
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items)), thread_name_prefix="stemma-files") as pool:
            futures: list[Future[None]] = [pool.submit(step, item) for item in items]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for finished in done:
                if finished.exception() is not None:
                    for future in futures:
                        future.cancel()
                    finished.result()

    def _send(self, file: LocalFile, advance: Advance) -> None:
        """Straight to object storage when the server offers a URL (it checks and keeps the upload after),
        else through the server."""
        for attempt in range(2):
            if self.client.direct_uploads is False:
                break
            offer = self.transport.send(
                "POST", f"{file_path(file.digest)}/upload", self._offer, json={"size": file.size}
            )
            parts = direct_parts(offer, file.size)
            self.client.direct_uploads = bool(parts)
            if not parts:
                break
            try:
                self._put_direct(file, offer["upload"], parts, advance)
                return
            except NotFound:
                if attempt:
                    raise
                # The upload was gone when it was finished (its URLs had expired, say): once more, a new offer.
        self._put(file, advance)

    @staticmethod
    def _offer(response: httpx.Response) -> dict[str, Any]:
        """An upload offer; a server from before direct uploads has no such route: `{}`, send through it."""
        response.read()
        if response.status_code in (404, 405):
            return {}
        if response.status_code != 200:
            raise error_from_response(response)
        offer: dict[str, Any] = response.json()
        return offer

    def _put_direct(self, file: LocalFile, upload: str, parts: list[dict[str, Any]], advance: Advance) -> None:
        """The content to the offered URLs (the parts of a large file DIRECT_PARTS at a time), without Stemma's
        credentials; then the server checks it (a file that changed after it was added is refused there, as
        with a PUT through the server)."""
        store = self.store()

        def put(part: dict[str, Any]) -> None:
            body = counted_body(file, advance, part["offset"], part["size"])
            try:
                stored = store.put(part["url"], content=body(), headers=part["headers"])
            except httpx.TransportError as exc:
                raise Unavailable(f"the file store at the offered URL could not be reached: {exc}") from exc
            if stored.status_code not in (200, 201):
                message = f"the file store refused the upload of {file.path!r}: HTTP {stored.status_code}"
                raise Unavailable(message)

        if len(parts) == 1:
            put(parts[0])
        else:
            with ThreadPoolExecutor(max_workers=min(DIRECT_PARTS, len(parts))) as pool:
                for future in [pool.submit(put, part) for part in parts]:
                    future.result()
        # The server reads all of it back to check it: give it time in proportion (a minute, plus one a GiB).
        self.transport.send(
            "POST",
            f"{file_path(file.digest)}/upload/{upload}",
            lambda response: self._stored(file, response),
            read_seconds=60 + file.size / 2**30 * 60,
        )

    @staticmethod
    def _stored(file: LocalFile, response: httpx.Response) -> None:
        """A server's answer to an upload: stored (or already there), or why not."""
        response.read()
        if response.status_code in (200, 201):
            return
        error = error_from_response(response)
        if isinstance(error, BadUserInput):
            raise type(error)(
                f"the server refused {file.path!r} ({file.local_path}): {error.message} — "
                "did the file change after it was added to the artifact?",
                field=file.path,
                extensions=error.extensions,
            )
        raise error

    def _put(self, file: LocalFile, advance: Advance) -> None:
        body = counted_body(file, advance)
        headers = {"content-length": str(file.size), "content-type": "application/octet-stream"}
        self.transport.send(
            "PUT", file_path(file.digest), lambda response: self._stored(file, response), body=body, headers=headers
        )

    def _get(self, entry: ManifestEntry, target: Path, advance: Advance) -> None:
        """The content from the server, or from object storage when the server redirects to a presigned URL:
        that URL is fetched without any of Stemma's credentials, and retried (with a fresh URL) like the server."""
        received = 0

        def write(response: httpx.Response) -> None:
            nonlocal received
            advance(-received)
            received = 0
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            hasher = hashlib.sha256()
            try:
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK_BYTES):
                        if received + len(chunk) > entry.size:  # a hostile sender could stream without end
                            raise DigestMismatch(
                                f"{entry.path!r} arrived with more than the {entry.size} bytes the manifest says; "
                                "nothing was kept",
                                field=entry.path,
                            )
                        hasher.update(chunk)
                        out.write(chunk)
                        received += len(chunk)
                        advance(len(chunk))
                digest, size = hasher.hexdigest(), received
                if (digest, size) != (entry.digest, entry.size):
                    raise DigestMismatch(
                        f"{entry.path!r} arrived as {size} bytes with sha256 {digest}; the manifest says "
                        f"{entry.size} bytes with sha256 {entry.digest}; nothing was kept",
                        field=entry.path,
                    )
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)

        def handle(response: httpx.Response) -> None:
            if response.status_code == 307 and "location" in response.headers:
                response.read()
                with self.store().stream("GET", response.headers["location"]) as direct:
                    if direct.status_code != 200:
                        direct.read()
                        raise RetryLater(f"HTTP {direct.status_code} from the file store")
                    write(direct)
                return
            if response.status_code != 200:
                response.read()
                raise error_from_response(response)
            write(response)

        self.transport.send("GET", file_path(entry.digest), handle)


def target_path(root: Path, path: str) -> Path:
    """Where a manifest path lands: strictly inside root, after resolving `..` and symbolic links."""
    target = (root / path).resolve()
    if root.resolve() not in target.parents:
        raise UnsafeManifest(
            f"the manifest path {path!r} would be written outside {root} (at {target}); nothing was written",
            field=path,
        )
    return target


def target_paths(root: Path, entries: Sequence[ManifestEntry]) -> list[Path]:
    """Every entry's target, refused as a whole when one would escape root, two would be the same file with
    different contents, or one would be a file where another needs a folder."""
    targets = [target_path(root, entry.path) for entry in entries]
    files: dict[Path, ManifestEntry] = {}
    for entry, target in zip(entries, targets, strict=True):
        other = files.setdefault(target, entry)
        if (other.digest, other.ref) != (entry.digest, entry.ref):
            raise UnsafeManifest(
                f"the manifest paths {other.path!r} and {entry.path!r} are the same file with different contents; "
                "nothing was written",
                field=entry.path,
            )
    for entry, target in zip(entries, targets, strict=True):
        folder = next((parent for parent in target.parents if parent in files), None)
        if folder is not None:
            raise UnsafeManifest(
                f"the manifest path {entry.path!r} needs a folder where {files[folder].path!r} is a file; "
                "nothing was written",
                field=entry.path,
            )
    return targets


def holds(target: Path, entry: ManifestEntry) -> bool:
    """Whether a file already on disk has exactly the entry's content."""
    if not target.is_file() or target.stat().st_size != entry.size:
        return False
    return hash_file(target)[0] == entry.digest


@contextlib.contextmanager
def progress_bar(label: str, total: int, *, enabled: bool) -> Iterator[Advance]:
    """A Rich bar on stderr counting bytes, or a silent counter when the transfer is small."""
    if not enabled:
        yield lambda _: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as progress:
        task = progress.add_task(label, total=total)
        yield lambda count: progress.advance(task, count)
