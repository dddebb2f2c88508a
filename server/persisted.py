"""Persisted queries: Apollo's automatic persisted queries (APQ), and an allow-list of documents.

A request may name its document by hash, `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": H}}}`,
sent by GET or POST. *automatic* (the default): a hash the server knows stands for its document; an unknown
one is answered PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo Client expects, so it sends the hash again with
the document, which the server checks and keeps); a request with a document and no hash runs as always.
*allowlist*: only the documents of the operator's manifest run, named by hash or sent whole; anything else is
refused before it is parsed, and no document is learned from clients.

The manifest is Apollo's persisted-query manifest (`{"format": "apollo-persisted-query-manifest", "operations":
[{"id", "body", ...}]}`) or a plain `{hash: document}` map (graphql-codegen's persisted documents); each id must
be its body's sha256, so a hash always names the same text.

Documents learned from clients are kept per caller: whether a hash is known tells a client only which documents
it sent itself, never which another tenant sent (a document's literals may name that tenant's objects)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cypher.errors import Forbidden, InvalidInput, StemmaError

Mode = Literal["automatic", "allowlist"]
FIELD = "extensions.persistedQuery"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryNotFound(StemmaError, code="PERSISTED_QUERY_NOT_FOUND", status=200):
    """The hash is not known yet: the client sends it again with its document (the APQ protocol)."""


class PersistedQueryNotAllowed(Forbidden, code="PERSISTED_QUERY_NOT_ALLOWED"):
    """The server runs only the documents of its allow-list."""


class ManifestError(ValueError):
    """The operator's manifest cannot be read; raised at start-up."""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _query_hash(query: str) -> str:
    """The sha256 of a client's document; a lone UTF-16 surrogate (JSON's "\\ud800") has no UTF-8 form."""
    try:
        return sha256(query)
    except UnicodeEncodeError:
        raise InvalidInput(
            "query: holds a lone UTF-16 surrogate (\\ud800-\\udfff); a document must be valid Unicode", field="query"
        ) from None


@dataclass(frozen=True)
class Ask:
    """What a request asks to run: its document, or only the hash of one."""

    query: str | None
    hash: str | None


def asked(query: object, extensions: dict[str, Any] | None) -> Ask:
    """The document and the persisted-query hash a request carries, each checked for its shape."""
    if query is not None and not isinstance(query, str):
        raise InvalidInput("query: must be a string holding a GraphQL document", field="query")
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return Ask(query, None)
    if not isinstance(persisted, dict) or type(persisted.get("version")) is not int or persisted["version"] != 1:
        raise InvalidInput(f"{FIELD}: must be an object with version 1 and a sha256Hash", field=FIELD)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise InvalidInput(f"{FIELD}.sha256Hash: must be 64 lowercase hexadecimal digits", field=f"{FIELD}.sha256Hash")
    if query is not None and _query_hash(query) != digest:
        raise InvalidInput(
            f"{FIELD}.sha256Hash: is not the sha256 of the query sent with it", field=f"{FIELD}.sha256Hash"
        )
    return Ask(query, digest)


ENTRY_COST = 64
"""What a learned document costs besides its characters: its hash (kept as the key), so that a flood of tiny
documents cannot hold more than `capacity / 64` entries."""


class PersistedQueries:
    """The documents this server knows by hash: the manifest's, and (automatic mode) the most recent ones
    clients registered, each known only to the caller who sent it, at most `capacity` characters of them
    counting `ENTRY_COST` for each (per server process; a client whose hash is forgotten, or unknown to another
    worker, sends its document once more)."""

    def __init__(self, mode: Mode, manifest: dict[str, str], capacity: int) -> None:
        self.mode = mode
        self.manifest = manifest
        self.capacity = capacity
        self.learned: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.learned_size = 0

    @classmethod
    def from_file(cls, mode: Mode, path: Path | None, capacity: int) -> PersistedQueries:
        manifest = read_manifest(path) if path is not None else {}
        if mode == "allowlist" and not manifest:
            raise ManifestError("persisted queries in allowlist mode need a manifest with at least one document")
        return cls(mode, manifest, capacity)

    def document(self, ask: Ask, caller: str = "") -> str | None:
        """The document to run (None when the request carries none: a missing query, reported as such), for
        `caller`, whose learned documents are theirs alone."""
        if ask.hash is None:
            if ask.query is not None and self.mode == "allowlist" and _query_hash(ask.query) not in self.manifest:
                raise PersistedQueryNotAllowed(
                    "query: this server runs only the persisted documents of its allow-list; send one of them "
                    f"(by {FIELD}.sha256Hash or whole)",
                    field="query",
                )
            return ask.query
        key = (caller, ask.hash)
        known = self.manifest.get(ask.hash) or self.learned.get(key)
        if known is not None:
            if key in self.learned:
                self.learned.move_to_end(key)
            return known
        if self.mode == "allowlist":
            raise PersistedQueryNotAllowed(
                f"{FIELD}.sha256Hash: not a document of this server's allow-list", field=f"{FIELD}.sha256Hash"
            )
        if ask.query is None:
            raise PersistedQueryNotFound("PersistedQueryNotFound", field=f"{FIELD}.sha256Hash")
        self.learned[key] = ask.query
        self.learned_size += ENTRY_COST + len(ask.query)
        while self.learned_size > self.capacity:
            self.learned_size -= ENTRY_COST + len(self.learned.popitem(last=False)[1])
        return ask.query


def read_manifest(path: Path) -> dict[str, str]:
    """The manifest's documents by sha256; an unreadable manifest or an id that is not its body's hash is an
    operator's mistake, said at start-up with the file and the entry."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"persisted-query manifest {path}: {exc}") from exc
    if isinstance(loaded, dict) and loaded.get("format") == "apollo-persisted-query-manifest":
        operations = loaded.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"persisted-query manifest {path}: 'operations' must be a list")
        entries = [(op.get("id"), op.get("body")) if isinstance(op, dict) else (None, None) for op in operations]
    elif isinstance(loaded, dict):
        entries = list(loaded.items())
    else:
        raise ManifestError(f"persisted-query manifest {path}: must be a JSON object")
    documents: dict[str, str] = {}
    for index, (digest, body) in enumerate(entries):
        if not isinstance(body, str) or not isinstance(digest, str) or sha256(body) != digest:
            raise ManifestError(
                f"persisted-query manifest {path}: entry {index} ({digest!r}) is not a document keyed by its sha256"
            )
        documents[digest] = body
    return documents
