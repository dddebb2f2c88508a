"""Names and references as clients write them, checked and parsed into plain values; no Cypher here.

Names: letters, digits, `-`, `_`, `.`, 1 to 128 characters; an alias may not look
like a version (`v3`) nor be the server's `latest`; a project may not start with
`registry-` (or W&B's `wandb-registry-`), which addresses a registry. References: a
collection is `ENTITY/PROJECT/NAME` (`ENTITY/registry-REGISTRY/NAME` for a registry
collection; `ENTITY/wandb-registry-REGISTRY/NAME` is read the same), a version `...:vN`
(N within 64 bits) or `...:ALIAS`, and a run `ENTITY/PROJECT/RUN_ID`. Bad input is refused
naming the field. The MATCH that finds what a reference names is `reads.match_version` / `reads.match_collection`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cypher.errors import InvalidInput

MAX_NAME = 128
REGISTRY_PREFIX = "registry-"
# W&B's spelling of a registry project (`wandb-registry-model`), read as `registry-model`.
WANDB_REGISTRY_PREFIX = "wandb-registry-"
# The registries every entity has from its start (statements/default_registries.cypher), as in W&B.
DEFAULT_REGISTRIES = (
    {"name": "model", "description": "Models of this entity, linked from any of its projects"},
    {"name": "dataset", "description": "Datasets of this entity, linked from any of its projects"},
)
LATEST = "latest"
MAX_VERSION = 2**63 - 1
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_VERSION = re.compile(r"v([0-9]+)")  # ASCII digits: `v١` is not `v1`


def check_name(value: str, field: str) -> str:
    """Letters, digits, `-`, `_`, `.`; 1 to 128 characters."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > MAX_NAME:
        raise InvalidInput(f"{field} is {len(value)} characters long; at most {MAX_NAME} are allowed", field=field)
    if not _NAME.fullmatch(value):
        raise InvalidInput(
            f"{field} may hold only letters, digits, '-', '_' and '.'; got {_shorten(value)!r}", field=field
        )
    return value


def check_alias(value: str, field: str, *, allow_latest: bool = False) -> str:
    """An alias is a name that does not look like a version (`v3`) and is not the server's `latest`."""
    check_name(value, field)
    if _VERSION.fullmatch(value):
        raise InvalidInput(
            f"{field} {value!r} looks like a version number; aliases may not be of the form vN", field=field
        )
    if value == LATEST and not allow_latest:
        raise InvalidInput(
            f"{field}: 'latest' is managed by the server and always names the newest version", field=field
        )
    return value


def check_project(value: str, field: str) -> str:
    check_name(value, field)
    for prefix in (REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX):
        if value.startswith(prefix):
            raise InvalidInput(f"{field}: project names starting with '{prefix}' address registries", field=field)
    return value


@dataclass(frozen=True)
class CollectionRef:
    """`ENTITY/PROJECT/NAME`, where the project `registry-R` names registry R."""

    entity: str
    project: str
    name: str

    @property
    def registry(self) -> str | None:
        return self.project[len(REGISTRY_PREFIX) :] if self.project.startswith(REGISTRY_PREFIX) else None

    def __str__(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}"


@dataclass(frozen=True)
class ArtifactRef:
    """A version of a collection, by number (`v3`) or by alias (`latest`, `production`)."""

    collection: CollectionRef
    version: int | None
    alias: str | None

    def __str__(self) -> str:
        label = f"v{self.version}" if self.version is not None else self.alias
        return f"{self.collection}:{label}"


def parse_collection_ref(text: str, field: str = "ref") -> CollectionRef:
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 3:
        raise InvalidInput(f"{field} must look like ENTITY/PROJECT/NAME; got {_shorten(str(text))!r}", field=field)
    entity, project, name = parts
    if project.startswith(WANDB_REGISTRY_PREFIX):
        project = REGISTRY_PREFIX + project[len(WANDB_REGISTRY_PREFIX) :]
    check_name(entity, f"{field} (entity)")
    check_name(project, f"{field} (project)")
    check_name(name, f"{field} (name)")
    if project.startswith(REGISTRY_PREFIX):
        check_name(project[len(REGISTRY_PREFIX) :] or "", f"{field} (registry)")
    return CollectionRef(entity, project, name)


def parse_artifact_ref(
    text: str, field: str = "ref", *, entity: str | None = None, project: str | None = None
) -> ArtifactRef:
    """`E/P/N:vN` or `E/P/N:alias`; `N:label` alone when the entity and project are known."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise InvalidInput(
            f"{field} must look like ENTITY/PROJECT/NAME:VERSION_OR_ALIAS; got {_shorten(str(text))!r}", field=field
        )
    path, label = text.split(":")
    if "/" not in path and entity is not None and project is not None:
        path = f"{entity}/{project}/{path}"
    collection = parse_collection_ref(path, field)
    version = _VERSION.fullmatch(label)
    if version:
        digits = version.group(1)
        number = int(digits) if len(digits) <= len(str(MAX_VERSION)) else MAX_VERSION + 1
        if number > MAX_VERSION:
            raise InvalidInput(
                f"{field} (version): version numbers are at most {MAX_VERSION} (64 bits); got {_shorten(label)!r}",
                field=field,
            )
        return ArtifactRef(collection, number, None)
    check_name(label, f"{field} (alias)")
    return ArtifactRef(collection, None, label)


def parse_run_id(text: str, field: str = "id") -> tuple[str, str, str]:
    """A run is addressed as `ENTITY/PROJECT/RUN_ID`."""
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 3:
        raise InvalidInput(f"{field} must look like ENTITY/PROJECT/RUN_ID; got {_shorten(str(text))!r}", field=field)
    check_name(parts[0], f"{field} (entity)")
    check_project(parts[1], f"{field} (project)")
    check_name(parts[2], f"{field} (run id)")
    return parts[0], parts[1], parts[2]


def is_run_ref(text: str) -> bool:
    return isinstance(text, str) and ":" not in text and text.count("/") == 2


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"
