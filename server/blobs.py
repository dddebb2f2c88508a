"""Content-addressed file storage: files are kept under their sha256, written atomically, never twice."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread

from cypher.errors import InvalidInput, PayloadTooLarge

SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobStore(Protocol):
    """What the server needs of a file store; a directory today, S3-compatible storage later."""

    async def sizes(self, digests: list[str]) -> dict[str, int]:
        """The stored size of each digest that is stored."""
        ...

    async def has(self, digest: str) -> bool: ...

    async def put(self, digest: str, body: AsyncIterator[bytes], max_bytes: int) -> bool: ...

    def local_path(self, digest: str) -> Path: ...


def check_digest(digest: str) -> str:
    if not SHA256.fullmatch(digest):
        raise InvalidInput("digest must be 64 lowercase hex characters (sha256)", field="digest")
    return digest


class DirectoryBlobStore:
    """Files at ROOT/ab/cd/<digest>; uploads land in ROOT/tmp and are renamed into place once verified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def local_path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def remove_partial_uploads(self, idle_seconds: float) -> int:
        """Delete temporary files of uploads that ended without cleaning up (a crash, a kill -9).
        A file written to in the last `idle_seconds` may be another process's upload in progress
        (a live upload writes at least that often, or it is timed out) and is kept."""
        cutoff = time.time() - idle_seconds
        removed = 0
        for temp in (self.root / "tmp").iterdir():
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    async def has(self, digest: str) -> bool:
        return await anyio.to_thread.run_sync(self.local_path(digest).is_file)

    async def sizes(self, digests: list[str]) -> dict[str, int]:
        def scan() -> dict[str, int]:
            found = {}
            for digest in dict.fromkeys(digests):
                with contextlib.suppress(FileNotFoundError):
                    found[digest] = self.local_path(digest).stat().st_size
            return found

        return await anyio.to_thread.run_sync(scan)

    async def put(self, digest: str, body: AsyncIterator[bytes], max_bytes: int) -> bool:
        """Store the body if its sha256 is `digest`; False when the file was already there.

        The body is hashed while it streams to a temporary file; a mismatch or an
        over-size body removes the temporary file, so nothing partial is kept."""
        target = self.local_path(digest)
        handle, temp_name = tempfile.mkstemp(dir=self.root / "tmp")
        temp = Path(temp_name)
        hasher = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(handle, "wb") as out:
                async for chunk in body:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(f"the body is larger than the upload limit of {max_bytes} bytes")
                    hasher.update(chunk)
                    await anyio.to_thread.run_sync(out.write, chunk)
                await anyio.to_thread.run_sync(out.flush)
                await anyio.to_thread.run_sync(os.fsync, out.fileno())
            if hasher.hexdigest() != digest:
                raise InvalidInput(
                    f"the body's sha256 is {hasher.hexdigest()}, not {digest}; nothing was stored", field="digest"
                )
            if target.is_file():
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            return True
        finally:
            temp.unlink(missing_ok=True)
