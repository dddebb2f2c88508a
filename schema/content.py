"""Content a caller holds: what a manifest may name (with its size said truly), and what must be uploaded first.

A caller holds content they uploaded themselves, or content in an artifact
version they may see. Content that is not stored and content that is not the
caller's get the same answer, so a digest cannot be probed: a manifest naming
either is refused alike, and `missingFiles` asks for either to be uploaded, as
HEAD /files/sha256/DIGEST answers 404 for either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import strawberry

from cypher.access import Caller
from cypher.errors import InvalidInput
from cypher.executor import Executor
from cypher.manifest import Manifest
from cypher.reads import possessed_files
from schema.context import FileStore, Info

MAX_DIGESTS = 10_000


class Holder(Protocol):
    """Whose content is asked about, and where to look: a request's Context, or the pieces of one."""

    @property
    def caller(self) -> Caller: ...
    @property
    def executor(self) -> Executor: ...
    @property
    def files(self) -> FileStore: ...


_SHA256 = re.compile(r"[0-9a-f]{64}")


async def held_sizes(held_by: Holder, digests: list[str]) -> dict[str, int]:
    """The stored size of each of `digests` the caller holds; content stored but not theirs is left out, as
    content never stored is."""
    if not digests:
        return {}
    if held_by.caller.superuser:
        held = set(digests)  # as for downloads: a superuser may use any stored content
    else:
        rows = await held_by.executor.read(possessed_files(digests, held_by.caller.param()))
        held = {row["digest"] for row in rows}
    return await held_by.files.sizes([digest for digest in digests if digest in held])


async def check_possession(held_by: Holder, manifests: Sequence[tuple[str, Manifest]]) -> None:
    """Refuse the first file of any `(field, manifest)` the caller does not hold, or whose declared size is
    not the stored size; `missing` lists up to 20 digests to upload first."""
    digests = list(dict.fromkeys(digest for _, manifest in manifests for digest in manifest.digests))
    stored = await held_sizes(held_by, digests)
    missing = [digest for digest in digests if digest not in stored]
    for field, manifest in manifests:
        for entry in manifest.stored:  # references are files left at their URIs: nothing to hold
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


def check_digests(digests: list[str], field: str) -> list[str]:
    """At most `MAX_DIGESTS` sha256 digests (64 lowercase hex characters), each once, in the order given."""
    if len(digests) > MAX_DIGESTS:
        raise InvalidInput(f"{field} lists {len(digests)} digests; at most {MAX_DIGESTS} are allowed", field=field)
    for index, digest in enumerate(digests):
        if not _SHA256.fullmatch(digest):
            where = f"{field}[{index}]"
            raise InvalidInput(f"{where} must be 64 lowercase hex characters (sha256)", field=where)
    return list(dict.fromkeys(digests))


@strawberry.type
class ContentQuery:
    @strawberry.field(
        description="Which of these sha256 digests the caller must upload (PUT /files/sha256/DIGEST) before a "
        "manifest may name them: those of content the caller neither uploaded nor can read in a version, whether "
        "or not anyone stored it. At most 10,000 digests; each is answered once, in the order given."
    )
    async def missing_files(self, info: Info, digests: list[str]) -> list[str]:
        wanted = check_digests(digests, "digests")
        held = await held_sizes(info.context, wanted)
        return [digest for digest in wanted if digest not in held]
