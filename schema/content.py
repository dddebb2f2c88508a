"""Referencing file content in a manifest: the caller must hold it, and say its size truly.

A caller holds content they uploaded themselves, or content in an artifact
version they may see. Content that is not stored and content that is not the
caller's get the same answer, so a digest cannot be probed.
"""

from __future__ import annotations

from collections.abc import Sequence

from cypher.errors import InvalidInput
from cypher.manifest import Manifest
from cypher.reads import possessed_files
from schema.context import Info


async def check_possession(info: Info, manifests: Sequence[tuple[str, Manifest]]) -> None:
    """Refuse the first file of any `(field, manifest)` the caller does not hold, or whose declared size is
    not the stored size; `missing` lists up to 20 digests to upload first."""
    context = info.context
    digests = list(dict.fromkeys(digest for _, manifest in manifests for digest in manifest.digests))
    if not digests:
        return
    if context.caller.superuser:
        held = set(digests)  # as for downloads: a superuser may use any stored content
    else:
        rows = await context.executor.read(possessed_files(digests, context.caller.param()))
        held = {row["digest"] for row in rows}
    stored = await context.files.sizes([digest for digest in digests if digest in held])
    missing = [digest for digest in digests if digest not in stored]
    for field, manifest in manifests:
        for entry in manifest.entries:
            if entry.digest not in stored:
                raise InvalidInput(
                    f"{field}: {entry.path!r} names content ({entry.digest}) you have not uploaded; "
                    f"{len(missing)} file(s) need a PUT to /files/sha256/DIGEST first",
                    field=field,
                    missing=missing[:20],
                )
            if stored[entry.digest] != entry.size:
                raise InvalidInput(
                    f"{field}: {entry.path!r} is declared as {entry.size} bytes, but its content has "
                    f"{stored[entry.digest]}",
                    field=field,
                )
