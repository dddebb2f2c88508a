"""Global ids (Relay object identification): which objects have one, how it is written, and how it is read.

A global id is `TYPE:KEY` in unpadded base64url, KEY being the object's natural key: an entity's name,
`ENTITY/NAME` for a project, a run's `ENTITY/PROJECT/RUN_ID`, the stored id of a collection, version,
registry or registry collection, and `COLLECTION_ID/VERSION_ID` (a registry version: one link) or
`COLLECTION_ID/NAME` (an alias) for objects that are a relationship or a keyed node. Clients must treat it
as opaque; it is stable for the life of the object. Where an object is found from its key is
`nodes.NODE_FINDERS`; which of these keys the compiled maps carry is `model.TYPES` (`id`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

from cypher.errors import InvalidInput
from cypher.refs import parse_run_id

KEY_PARTS = {
    "Entity": 1,
    "Project": 2,
    "Run": 1,
    "ArtifactCollection": 1,
    "ArtifactVersion": 1,
    "Registry": 1,
    "RegistryCollection": 1,
    "RegistryVersion": 2,
    "Alias": 2,
    "RegistryAlias": 2,
}
"""Every type with a global id, and how many `/`-separated parts its key has (a run's key is one: its id)."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
MAX_ID_LENGTH = 1024


@functools.lru_cache(maxsize=65536)
def global_id(type_name: str, key: str) -> str:
    """`type_name:key` in unpadded base64url. Kept for the nodes asked of again: a lineage answer names each node
    once and each edge's two ends, and a 500-node answer made 1,500 ids, a tenth of its completion."""
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def looks_global(text: str) -> bool:
    """Written in the global ids' alphabet (no `/` nor `:`, which every reference and run id holds)."""
    return isinstance(text, str) and _BASE64URL.fullmatch(text) is not None


def parse_global_id(text: str, field: str = "id") -> tuple[str, list[str]]:
    """The type and the key parts of a global id this API issued; anything else is refused naming `field`."""
    refused = InvalidInput(f"{field}: not an id this API issued", field=field)
    if not looks_global(text) or len(text) > MAX_ID_LENGTH:
        raise refused
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise refused from exc
    type_name, _, key = decoded.partition(":")
    parts = [key] if KEY_PARTS.get(type_name) == 1 else key.split("/")
    if type_name not in KEY_PARTS or len(parts) != KEY_PARTS[type_name] or not all(parts):
        raise refused
    if global_id(type_name, key) != text:
        raise refused  # one spelling per id: no padding, no stray bits
    return type_name, parts


def as_global_id(text: str, field: str) -> tuple[str, list[str]] | None:
    """The type and key parts when `text` is a global id; None when it is not one (a reference, a run id,
    or nonsense, which the caller's own parser refuses with its own message)."""
    if not looks_global(text):
        return None
    try:
        return parse_global_id(text, field)
    except InvalidInput:
        return None


def run_key(text: str, field: str = "id") -> str:
    """A run's stored id from what a client sent: its global id, or `ENTITY/PROJECT/RUN_ID` (its ref, the
    id runs had before global ids)."""
    found = as_global_id(text, field)
    if found is not None:
        type_name, (key, *_) = found
        if type_name != "Run":
            raise InvalidInput(f"{field}: the id of a {type_name}, not of a Run", field=field)
        text = key
    parse_run_id(text, field)
    return text
