"""`stemma export` and `stemma import`: a project's bundle (GET /api/v1/export) and the content its versions store,
packed in one gzipped tar (`bundle.json`, then `files/SHA256` for each content once), and unpacked into another
server (the content uploaded as any log's is, then POST /api/v1/import). Content is checked against its digest
both ways; nothing in a tar is written anywhere but a private temporary folder, under its digest."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx
from stemma.client import GraphQLClient, error_from_response
from stemma.errors import MissingFiles, StemmaError
from stemma.files import LocalFile, ManifestEntry
from stemma.transfer import Transfer

BUNDLE_MEMBER = "bundle.json"
_FILE_MEMBER = re.compile(r"files/([0-9a-f]{64})")
IMPORT_SECONDS = 600.0  # one transaction rebuilds the whole project


def _json(response: httpx.Response) -> Any:
    response.read()
    if response.status_code != 200:
        raise error_from_response(response)
    return response.json()


def write_bundle(client: GraphQLClient, project: str, out: IO[bytes]) -> dict[str, Any]:
    """Fetch the project's bundle and its content and write both to `out` as a gzipped tar; the bundle."""
    bundle: dict[str, Any] = client.transport.send("GET", f"/api/v1/export?project={quote(project, safe='')}", _json)
    sizes = {
        file["digest"]: file["size"]
        for collection in bundle["collections"]
        for version in collection["versions"]
        for file in version["files"]
        if "ref" not in file
    }
    with tempfile.TemporaryDirectory(prefix="stemma-export-") as folder, tarfile.open(fileobj=out, mode="w|gz") as tar:
        root = Path(folder)
        entries = [ManifestEntry(digest, digest, sizes[digest]) for digest in bundle["files"]]
        Transfer(client).download(entries, root, f"{project} files")
        text = json.dumps(bundle, indent=1).encode()
        info = tarfile.TarInfo(BUNDLE_MEMBER)
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
        for digest in bundle["files"]:
            tar.add(root / digest, arcname=f"files/{digest}", recursive=False)
    return bundle


def read_bundle(source: IO[bytes], folder: Path) -> tuple[dict[str, Any], list[LocalFile]]:
    """The bundle in a tar stream, and its content written under `folder` by digest (each checked)."""
    bundle: dict[str, Any] | None = None
    files: list[LocalFile] = []
    with tarfile.open(fileobj=source, mode="r|*") as tar:
        for member in tar:
            found = _FILE_MEMBER.fullmatch(member.name)
            if member.name == BUNDLE_MEMBER and member.isfile() and bundle is None:
                bundle = json.loads(_read(tar, member).read())
            elif found and member.isfile():
                files.append(_keep(tar, member, found.group(1), folder))
            else:
                raise StemmaError(f"the bundle holds {member.name[:80]!r}, which no bundle holds")
    if not isinstance(bundle, dict):
        raise StemmaError(f"the tar holds no {BUNDLE_MEMBER}: it is not a bundle stemma export wrote")
    return bundle, files


def send_bundle(client: GraphQLClient, bundle: dict[str, Any], files: list[LocalFile], into: str) -> dict[str, Any]:
    """Rebuild the project in `into`; the server's counts. The bundle goes first: only when the server has
    checked it whole and asks for content the caller does not hold yet is that content uploaded, and the bundle
    sent again, so a refused import uploads nothing."""
    path = f"/api/v1/import?entity={quote(into, safe='')}"

    def send() -> dict[str, Any]:
        answer: dict[str, Any] = client.transport.send("POST", path, _json, json=bundle, read_seconds=IMPORT_SECONDS)
        return answer

    try:
        return send()
    except MissingFiles:
        Transfer(client).upload(files, f"{bundle.get('project', 'bundle')} files")
    return send()


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = tar.extractfile(member)
    if handle is None:
        raise StemmaError(f"{member.name} cannot be read from the bundle")
    return handle


def _keep(tar: tarfile.TarFile, member: tarfile.TarInfo, digest: str, folder: Path) -> LocalFile:
    target = folder / digest
    hasher = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in _chunks(_read(tar, member)):
            hasher.update(chunk)
            out.write(chunk)
    if hasher.hexdigest() != digest:
        raise StemmaError(f"files/{digest} in the bundle does not hold that content (its sha256 differs)")
    return LocalFile(path=digest, local_path=target, digest=digest, size=member.size)


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(1024 * 1024):
        yield chunk
