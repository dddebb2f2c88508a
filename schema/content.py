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

import strawberry

from cypher.errors import InvalidInput
from cypher.manifest import Manifest
from cypher.reads import possessed_files
from schema.context import Info

MAX_DIGESTS = 10_000
_SHA256 = re.compile(r"[0-9a-f]{64}")


async def held_sizes(info: Info, digests: list[str]) -> dict[str, int]:
    """The stored size of each of `digests` the caller holds; content stored but not theirs is left out, as
    content never stored is."""
    context = info.context
    if not digests:
        return {}
    if context.caller.superuser:
        held = set(digests)  # as for downloads: a superuser may use any stored content
    else:
        rows = await context.executor.read(possessed_files(digests, context.caller.param()))
        held = {row["digest"] for row in rows}
    return await context.files.sizes([digest for digest in digests if digest in held])


async def check_possession(info: Info, manifests: Sequence[tuple[str, Manifest]]) -> None:
    """Refuse the first file of any `(field, manifest)` the caller does not hold, or whose declared size is
    not the stored size; `missing` lists up to 20 digests to upload first."""
    digests = list(dict.fromkeys(digest for _, manifest in manifests for digest in manifest.digests))
    stored = await held_sizes(info, digests)
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
        held = await held_sizes(info, wanted)
        return [digest for digest in wanted if digest not in held]
