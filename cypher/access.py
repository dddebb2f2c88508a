"""Who may see and change what: the caller, and the one visibility predicate every compiled read applies.

Reads: an object is visible when the caller has any role in its entity (or is a
superuser); a registry restricted to named members, and what is linked in it,
is visible to those members and the entity's admins only. Anything invisible
answers NOT_FOUND, exactly as if absent; lineage shows it as a redacted node.

Writes: members and admins write in their entity; admins also manage members,
registries and keys; viewers only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.errors import Forbidden, NotFound

ROLES = ("viewer", "member", "admin")

IN_ENTITY = "($caller.superuser OR {v}.entity IN $caller.read)"
IN_REGISTRY = "NOT {c}.registry_id IN $caller.hidden_registries"
VISIBLE: Mapping[str, str] = {
    "Entity": "($caller.superuser OR {v}.name IN $caller.read)",
    "Project": IN_ENTITY,
    "Run": IN_ENTITY,
    "ArtifactCollection": IN_ENTITY,
    "ArtifactVersion": IN_ENTITY,
    "Alias": IN_ENTITY,
    "Registry": IN_ENTITY + " AND NOT {v}.id IN $caller.hidden_registries",
    "RegistryCollection": IN_ENTITY + " AND NOT {v}.registry_id IN $caller.hidden_registries",
    "RegistryVersion": f"{IN_ENTITY} AND ($caller.superuser OR {{c}}.entity IN $caller.read) AND {IN_REGISTRY}",
    "RegistryAlias": f"{IN_ENTITY} AND {IN_REGISTRY}",
}


def visible(type_name: str, bound: Mapping[str, str]) -> str:
    """The predicate under which the object bound to `bound` (roles to variables) may be shown to the caller."""
    return VISIBLE[type_name].format(**{role: bound.get(role, "") for role in ("v", "c")})


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
