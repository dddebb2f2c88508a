"""Who may see and change what: the caller, and the one visibility predicate every compiled read applies.

Reads: an object is visible when the caller has any role in its entity (or is a
superuser); a registry restricted to named members, and what is linked in it,
is visible to those members and the entity's admins only. Anything invisible
answers NOT_FOUND, exactly as if absent; lineage shows it as a redacted node.

Writes: members and admins write in their entity; admins also manage members,
registries and keys; viewers only read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.errors import Forbidden, NotFound
from cypher.rules import Vars

ROLES = ("viewer", "member", "admin")


def _in_entity(v: Vars) -> str:
    return f"($caller.superuser OR {v.node}.entity IN $caller.read)"


def _registry_open(v: Vars) -> str:
    """A registry version's or alias's registry collection is in a registry the caller may see."""
    return f"NOT {v.collection}.registry_id IN $caller.hidden_registries"


VISIBLE: Mapping[str, Callable[[Vars], str]] = {
    "Entity": lambda v: f"($caller.superuser OR {v.node}.name IN $caller.read)",
    "Project": _in_entity,
    "Run": _in_entity,
    "ArtifactCollection": _in_entity,
    "ArtifactVersion": _in_entity,
    "Alias": _in_entity,
    "LineageCount": _in_entity,  # counts of lineage neighbours, kept per the neighbours' entity and project
    "Registry": lambda v: f"{_in_entity(v)} AND NOT {v.node}.id IN $caller.hidden_registries",
    "RegistryCollection": lambda v: f"{_in_entity(v)} AND NOT {v.node}.registry_id IN $caller.hidden_registries",
    "RegistryVersion": lambda v: (
        f"{_in_entity(v)} AND ($caller.superuser OR {v.collection}.entity IN $caller.read) AND {_registry_open(v)}"
    ),
    "RegistryAlias": lambda v: f"{_in_entity(v)} AND {_registry_open(v)}",
}


def visible(type_name: str, on: Vars) -> str:
    """The predicate under which the object read through `on` may be shown to the caller."""
    return VISIBLE[type_name](on)


@dataclass(frozen=True)
class Caller:
    """An authenticated user: roles by entity, and the restricted registries they may not see."""

    user: str
    superuser: bool = False
    roles: Mapping[str, str] = field(default_factory=dict)
    hidden_registries: frozenset[str] = frozenset()
    key_id: str | None = None

    def param(self) -> dict[str, Any]:
        """The `$caller` parameter of every statement."""
        return {
            "user": self.user,
            "superuser": self.superuser,
            "read": sorted(self.roles),
            "write": sorted(e for e, role in self.roles.items() if role in ("member", "admin")),
            "manage": sorted(e for e, role in self.roles.items() if role == "admin"),
            "hidden_registries": sorted(self.hidden_registries),
        }

    @property
    def manages(self) -> set[str]:
        return {entity for entity, role in self.roles.items() if role == "admin"}

    def require(self, entity: str, need: str, field: str) -> None:
        """Refuse unless the caller's role in `entity` is at least `need` (member to write, admin to manage).

        An entity the caller cannot see is NOT_FOUND, as if it did not exist."""
        if self.superuser:
            return
        role = self.roles.get(entity)
        if role is None:
            raise NotFound(f"no entity named {entity!r}", field=field)
        if ROLES.index(role) < ROLES.index(need):
            raise Forbidden(f"{field}: a {role} of {entity!r} cannot do this; it needs the {need} role", field=field)


ANONYMOUS_SUPERUSER = Caller(user="anonymous", superuser=True)
