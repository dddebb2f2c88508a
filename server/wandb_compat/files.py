"""Files as the wandb client sees them: where to put them (signed upload URLs) and pages of a version's files, each
with a signed URL of its content."""

from __future__ import annotations

import re
from typing import Any

import strawberry

from cypher.errors import InvalidInput
from server.wandb_compat.artifacts import (
    DOWNLOAD_SECONDS,
    PREFIX,
    SIGNER,
    Info,
    StemmaRead,
)


@strawberry.type
class UploadPart:
    part_number: int
    upload_url: str


@strawberry.type
class UploadUrlParts:
    upload_id: str = strawberry.field(name="uploadID")
    upload_url_parts: list[UploadPart]


@strawberry.type
class ArtifactRef:
    id: strawberry.ID


@strawberry.type
class File:
    id: strawberry.ID
    name: str
    direct_url: str | None = None
    upload_url: str | None = None
    upload_headers: list[str] = strawberry.field(default_factory=list)
    storage_path: str | None = None
    upload_multipart_urls: UploadUrlParts | None = None
    artifact: ArtifactRef | None = None


@strawberry.type
class FileEdge:
    node: File | None
    cursor: str = ""


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class FileConnection:
    edges: list[FileEdge]
    page_info: PageInfo


@strawberry.type
class ArtifactManifest:
    id: strawberry.ID
    file: File


MAX_PAGE = 10_000
_CURSOR = re.compile(r"[0-9]{1,9}")


async def files_page(info: Info, version: dict[str, Any], after: str | None, first: int | None) -> FileConnection:
    """A page of a version's files, each with a signed URL of its content (references: their URI)."""
    entries = await StemmaRead(info.context).files(version) if version else []
    if after is not None and not _CURSOR.fullmatch(after):
        raise InvalidInput("after: a cursor this server gave (endCursor)", field="after")
    if first is not None and not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first: from 1 to {MAX_PAGE}", field="first")
    start = int(after) if after else 0
    count = first or 1000
    page = entries[start : start + count]
    context = info.context
    edges = []
    for offset, entry in enumerate(page):
        url = entry["ref"] or await SIGNER.sign(
            context.executor, context.base_url, f"{PREFIX}/blobs/{entry['digest']}", DOWNLOAD_SECONDS
        )
        node = File(id=strawberry.ID(entry["digest"]), name=entry["path"], direct_url=url)
        edges.append(FileEdge(node=node, cursor=str(start + offset + 1)))
    end = start + len(page)
    return FileConnection(edges=edges, page_info=PageInfo(end_cursor=str(end), has_next_page=end < len(entries)))
