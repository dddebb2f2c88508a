"""Who is asking and where: the viewer, entities and organisations (an entity is its own organisation, so its
registries are W&B's `wandb-registry-NAME` projects), and what the server supports."""

from __future__ import annotations

import strawberry

from cypher.ids import global_id
from schema.accounts import default_entity
from server.wandb_compat.artifacts import Info
from server.wandb_compat.inputs import JSONString


@strawberry.type
class ServerFeature:
    name: str
    is_enabled: bool


@strawberry.type
class ServerInfo:
    features: list[ServerFeature]


@strawberry.type
class Organization:
    """Stemma keeps registries in each entity, so an entity is its own organization (and its org entity):
    `wandb-registry-NAME` of an entity are that entity's registries."""

    name: str
    org_entity: Entity | None
    core_weave_organization_id: str | None = None


@strawberry.type
class Entity:
    id: strawberry.ID
    name: str

    @strawberry.field
    def organization(self) -> Organization:
        return Organization(name=self.name, org_entity=Entity(id=self.id, name=self.name))

    @strawberry.field
    def user(self) -> User | None:
        return None


@strawberry.type
class EntityEdge:
    node: Entity


@strawberry.type
class EntityConnection:
    edges: list[EntityEdge]


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    entity: str | None
    email: str | None = None
    flags: JSONString | None = None
    admin: bool = False
    teams: EntityConnection = strawberry.field(default_factory=lambda: EntityConnection(edges=[]))
    name: str | None = None
    organizations: list[Organization] = strawberry.field(default_factory=list)


def entity_of(name: str) -> Entity:
    return Entity(id=strawberry.ID(global_id("Entity", name)), name=name)


def caller_entity(info: Info, given: str | None) -> str:
    """The entity a request names, else the caller's default (as W&B uses the key's default entity)."""
    return given or default_entity(info.context.caller) or info.context.caller.user
