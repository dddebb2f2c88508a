"""W&B artifacts onto Stemma's versions: saving (createArtifact, files, manifest, commit), using, and reading.

The client saves an artifact in steps: createArtifact (with its manifest's MD5 digest; a collection already
holding that digest answers COMMITTED and nothing is uploaded), createArtifactFiles (an upload URL per file,
named by MD5), a PUT of each file and of its manifest to those URLs (without credentials: each URL holds a
secret of its upload), and commitArtifact. Until the commit the artifact is a WandbUpload in the graph; the
commit logs it as any Stemma log: the files by sha256, checked as the uploader's own, in one transaction.

Reads go through Stemma's own GraphQL schema with the caller's context, so they see exactly what the caller
may see (the one visibility rule); the answers are reshaped as W&B's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from cypher.batch import LogInput, log_artifact, use_artifact
from cypher.errors import Conflict, InvalidInput, NotFound, StemmaError
from cypher.executor import Executor, Statement, WriteTransaction
from cypher.ids import global_id, parse_global_id
from cypher.jsonvalues import check_json
from cypher.manifest import check_manifest
from cypher.named import named
from cypher.refs import LATEST, check_alias, check_name, check_project, parse_artifact_ref
from cypher.writes import MAX_ALIASES, Writer
from schema.build import schema as stemma_schema
from schema.content import check_possession
from schema.context import Context
from schema.inputs import check_object, check_text
from server.wandb_compat.runs import parsed_object

PREFIX = "/wandb"
UPLOAD = "WandbUpload"
MANIFEST_NAME = "wandb_manifest.json"
UPLOAD_SECONDS = 24 * 3600  # an upload URL works this long after createArtifact
DOWNLOAD_SECONDS = 3600  # a signed download URL works this long
VERSION_FIELDS = """
fragment V on ArtifactVersion {
  id entity project name type version digest size fileCount description tags createdAt state aliases metadata
  links { id version aliases linkedAt collection { id entity registry name } }
}"""
COLLECTION = "query($ref: String!) { artifactCollection(ref: $ref) { id type description } }"
REGISTRY_COLLECTION = "query($ref: String!) { registryCollection(ref: $ref) { id type description } }"
RUNS_OF = """query($ref: String!) {
  artifact(ref: $ref) {
    createdBy { runId entity project }
    usedBy(first: 100) { edges { node { runId entity project } } }
  }
}"""
LAST_ROW = "query($id: ID!, $after: Long) { runHistory(id: $id, afterStep: $after, maxRows: 1) { rows } }"
RUN_EXISTS = "query($id: ID!) { run(id: $id) { id } }"
RUN = """query($id: ID!) {
  run(id: $id) {
    runId entity project name state jobType group tags notes config summary createdAt heartbeatAt user lastStep
  }
}"""
LINK = """mutation($ref: String!, $target: String!, $aliases: [String!]) {
  linkArtifact(ref: $ref, target: $target, aliases: $aliases) { id version linkedAt aliases }
}"""
FILES = "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { files { path digest size ref } } } }"
MAX_FILES_A_REQUEST = 100_000  # file entries read for one request (a version holds at most 100,000)
BY_REF = "query($ref: String!) { artifact(ref: $ref) { ...V } }" + VERSION_FIELDS
BY_ID = "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { ...V } } }" + VERSION_FIELDS


@dataclass
class WandbContext(Context):
    """A request's context, with the server's address as the client reached it (for the URLs it is given)."""

    base_url: str = ""
    file_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # read once a request, by version
    files_left: int = MAX_FILES_A_REQUEST


Info = StrawberryInfo[WandbContext, None]


class StemmaRead:
    """Stemma's own GraphQL, asked with a request's context (its caller, its limits)."""

    def __init__(self, context: WandbContext) -> None:
        self.context = context

    async def files(self, version: dict[str, Any]) -> list[dict[str, Any]]:
        """A version's files (read once a request, and at most MAX_FILES_A_REQUEST entries a request)."""
        cached = self.context.file_lists.get(version["id"])
        if cached is not None:
            return cached
        if version["fileCount"] > self.context.files_left:
            raise InvalidInput(
                f"this request would read more than {MAX_FILES_A_REQUEST:,} files' entries; ask for fewer versions",
                limit=MAX_FILES_A_REQUEST,
            )
        self.context.files_left -= version["fileCount"]
        files: list[dict[str, Any]] = (await self.data(FILES, id=version["id"]))["node"]["files"]
        self.context.file_lists[version["id"]] = files
        return files

    async def data(self, document: str, **variables: Any) -> dict[str, Any]:
        # The same context: the request's cost budget spans every read made for it.
        result = await stemma_schema.execute(document, variables, context_value=self.context)
        if result.errors:
            original = result.errors[0].original_error
            if isinstance(original, StemmaError):
                raise original
            raise InvalidInput(result.errors[0].message)
        data: dict[str, Any] = result.data or {}
        return data

    async def version(self, *, ref: str | None = None, id: str | None = None) -> dict[str, Any] | None:
        """A version the caller may see, by reference or Stemma global id; None when there is none."""
        try:
            if ref is not None:
                found = (await self.data(BY_REF, ref=ref))["artifact"]
            else:
                found = (await self.data(BY_ID, id=id))["node"]
        except NotFound:
            return None
        if not found or "id" not in found:
            return None
        stored = await self.context.executor.read(
            Statement(named("wandb_version_extras"), {"id": parse_global_id(found["id"])[1][0]})
        )
        return {**found, "wandb": stored[0] if stored else {"digest": None, "manifest": None}}


def upload_key(artifact_id: str, field: str) -> str | None:
    """The upload an artifact id the client holds names (None: it names a version, a Stemma global id)."""
    try:
        decoded = base64.urlsafe_b64decode(artifact_id + "=" * (-len(artifact_id) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidInput(f"{field}: not an id this server issued", field=field) from None
    kind, _, key = decoded.partition(":")
    if kind == UPLOAD:
        return key
    parse_global_id(artifact_id, field)
    return None


class Signer:
    """Signs the URLs the client fetches or puts to without credentials: HMAC-SHA256 of the path and expiry,
    with a key kept in the graph (one per database, shared by every server process)."""

    def __init__(self) -> None:
        self._key: bytes | None = None

    async def key(self, executor: Executor) -> bytes:
        if self._key is None:

            async def make(tx: WriteTransaction) -> str:
                rows = await tx.run(Statement(named("wandb_signing_key")))
                return str(rows[0]["key"])

            self._key = (await executor.write(make)).encode()
        return self._key

    async def sign(self, executor: Executor, base: str, path: str, seconds: int) -> str:
        expires = int(time.time()) + seconds
        mac = hmac.new(await self.key(executor), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
        return f"{base}{path}?expires={expires}&signature={mac}"

    async def check(self, executor: Executor, path: str, expires: str | None, signature: str | None) -> bool:
        """Whether the URL was signed here and has not expired (anything malformed is simply not signed)."""
        if not expires or not _EXPIRES.fullmatch(expires) or not signature or not _HEX64.fullmatch(signature):
            return False
        if int(expires) < time.time():
            return False
        mac = hmac.new(await self.key(executor), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, signature)


SIGNER = Signer()
_EXPIRES = re.compile(r"[0-9]{1,12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
MANIFEST_HEADER = b"wandb-artifact-manifest-v1\n"  # what the client's manifest digest starts from


class NewArtifact:
    """createArtifact's input, checked: the collection, the run that logs it and what it says."""

    def __init__(self, given: Any, entity: str) -> None:
        self.entity = check_name(entity, "input.entityName")
        self.project = check_project(given.project_name, "input.projectName")
        if not given.run_name:
            raise InvalidInput("input.runName: an artifact is logged by a run; name it", field="input.runName")
        self.run = check_name(given.run_name, "input.runName")
        self.name = check_name(given.artifact_collection_name, "input.artifactCollectionName")
        self.type = check_name(given.artifact_type_name, "input.artifactTypeName")
        if not _HEX32.fullmatch(given.digest or ""):
            raise InvalidInput(
                "input.digest: the manifest's MD5 digest, 32 hex digits, is required", field="input.digest"
            )
        self.digest = given.digest
        self.metadata = check_object(parsed_object(given.metadata, "input.metadata"), "input.metadata")
        self.description = check_text(given.description, "input.description")
        aliases = [alias.alias for alias in given.aliases or [] if alias.alias != LATEST]
        if len(aliases) > MAX_ALIASES:
            raise InvalidInput(f"input.aliases: at most {MAX_ALIASES} aliases a version", field="input.aliases")
        self.aliases = [check_alias(alias, f"input.aliases[{i}].alias") for i, alias in enumerate(aliases)]

    async def check_run(self, read: StemmaRead) -> None:
        """The run that logs the artifact exists and the caller sees it (refused now, not after the uploads)."""
        try:
            await read.data(RUN_EXISTS, id=f"{self.entity}/{self.project}/{self.run}")
        except NotFound:
            raise NotFound(
                f"input.runName: no run {self.run!r} in {self.entity}/{self.project}", field="input.runName"
            ) from None

    async def existing(self, context: Context) -> str | None:
        """The Stemma global id of the collection's live version saved with this digest, if any."""
        context.caller.require(self.entity, "member", "input.entityName")
        found = await context.executor.read(
            Statement(
                named("wandb_version_by_digest"),
                {"digest": self.digest, "entity": self.entity, "project": self.project, "name": self.name},
            )
        )
        return global_id("ArtifactVersion", found[0]["id"]) if found else None

    async def log_again(self, read: StemmaRead, version: dict[str, Any]) -> None:
        """The run logged content the collection holds: recorded as a logger of that version, with its aliases
        (Stemma's log of known content; no new version)."""
        context = read.context
        files = await read.files(version)
        log = LogInput(
            name=self.name,
            type=self.type,
            manifest=check_manifest(files, "manifest"),
            metadata=self.metadata,
            description=self.description,
            aliases=self.aliases,
            where="input",
            type_field="input.artifactTypeName",
        )
        await check_possession(context, [("input", log.manifest)])
        run_id = f"{self.entity}/{self.project}/{self.run}"

        async def step(tx: WriteTransaction) -> None:
            await log_artifact(Writer(tx, context.caller), run_id, log)

        await context.executor.write(step)

    async def start(self, context: Context) -> str:
        """A new upload; its id for the client."""
        context.caller.require(self.entity, "member", "input.entityName")
        key = secrets.token_hex(16)
        upload = {
            "id": key,
            "user": context.caller.user,
            "entity": self.entity,
            "project": self.project,
            "run": self.run,
            "name": self.name,
            "type": self.type,
            "digest": self.digest,
            "metadata": json.dumps(self.metadata),
            "description": self.description,
            "aliases": self.aliases,
        }

        async def step(tx: WriteTransaction) -> None:
            await tx.run(Statement(named("wandb_upload_create"), {"upload": upload}))

        await context.executor.write(step)
        return global_id(UPLOAD, key)


async def pending(context: Context, key: str, field: str) -> dict[str, Any]:
    """An upload and its files, for the caller who started it."""
    rows = await context.executor.read(Statement(named("wandb_upload"), {"id": key}))
    if not rows or (rows[0]["upload"]["user"] != context.caller.user and not context.caller.superuser):
        raise NotFound(f"{field}: no artifact is being saved with this id", field=field)
    upload: dict[str, Any] = rows[0]["upload"]
    upload["files"] = {row["md5"]: row for row in rows[0]["files"]}
    return upload


def md5_hex(b64: str, field: str) -> str:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field}: an MD5 digest in base64 is expected", field=field) from None
    if len(raw) != 16:
        raise InvalidInput(f"{field}: an MD5 digest is 16 bytes", field=field)
    return raw.hex()


def manifest_contents(body: bytes) -> dict[str, dict[str, Any]]:
    """A manifest's `contents` (path: entry), refused by name when the manifest is not one."""
    try:
        manifest = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("manifest: not JSON", field="manifest") from None
    check_json(manifest, "the manifest")
    contents = manifest.get("contents") if isinstance(manifest, dict) else None
    if not isinstance(contents, dict) or not all(isinstance(entry, dict) for entry in contents.values()):
        raise InvalidInput("manifest: `contents` must map each path to an entry object", field="manifest")
    return contents


async def commit(context: Context, key: str) -> str:
    """Log the upload as a Stemma version from its manifest (files named by MD5, stored by sha256): checked
    as the caller's own content, in one transaction with the upload's record of it; returns the version id."""
    upload = await pending(context, key, "artifactID")
    if upload.get("version"):
        return global_id("ArtifactVersion", upload["version"])
    if not upload.get("manifest_json"):
        raise InvalidInput(
            "artifactID: the artifact's manifest was not put; put it before committing", field="artifactID"
        )
    contents = manifest_contents(upload["manifest_json"].encode())
    lines = "".join(f"{path}:{entry.get('digest')}\n" for path, entry in sorted(contents.items()))
    if hashlib.md5(MANIFEST_HEADER + lines.encode(), usedforsecurity=False).hexdigest() != upload["digest"]:
        raise InvalidInput(
            f"manifest: its digest is not the {upload['digest']} createArtifact was given", field="manifest"
        )
    files = []
    for path, entry in contents.items():
        where = f"manifest.contents[{path!r}]"
        if entry.get("ref"):
            files.append(
                {"path": path, "digest": str(entry.get("digest")), "size": entry.get("size") or 0, "ref": entry["ref"]}
            )
            continue
        stored = upload["files"].get(md5_hex(str(entry.get("digest")), f"{where}.digest"))
        if stored is None:
            raise InvalidInput(f"{where}: its content was not uploaded", field=where)
        files.append({"path": path, "digest": stored["sha256"], "size": stored["size"]})
    log = LogInput(
        name=upload["name"],
        type=upload["type"],
        manifest=check_manifest(files, "manifest"),
        metadata=json.loads(upload["metadata"] or "{}"),
        description=upload.get("description"),
        aliases=list(upload.get("aliases") or []),
        where="artifact",
        type_field="artifactTypeName",
    )
    await check_possession(context, [("manifest", log.manifest)])
    run_id = f"{upload['entity']}/{upload['project']}/{upload['run']}"

    async def step(tx: WriteTransaction) -> str:
        held = (await tx.run(Statement(named("wandb_upload_lock"), {"upload": key})))[0]
        if held["version"] is not None:  # another commit of this upload got there first
            return str(held["version"])
        if held["manifest"] != upload["manifest"]:
            raise Conflict("manifest: it was put again while committing; commit again", field="manifest")
        root, _ = await log_artifact(Writer(tx, context.caller), run_id, log)
        version = root.params["key"]
        params = {"upload": key, "version": version, "manifest": upload["manifest"]}
        await tx.run(Statement(named("wandb_upload_commit"), params))
        return str(version)

    return global_id("ArtifactVersion", await context.executor.write(step))


async def use(context: Context, run_id: str, version: dict[str, Any]) -> None:
    ref = parse_artifact_ref(f"{version['entity']}/{version['project']}/{version['name']}:v{version['version']}")

    async def step(tx: WriteTransaction) -> None:
        await use_artifact(Writer(tx, context.caller), run_id, ref)

    await context.executor.write(step)
