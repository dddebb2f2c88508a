"""Plain values read from the server's answers: timestamps, and links of versions into registries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def parse_datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def require_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@dataclass(frozen=True)
class RegistryLink:
    """A version linked into a registry collection under the collection's own version number."""

    ref: str
    version: str
    aliases: tuple[str, ...]
    linked_at: dt.datetime
    linked_by: str | None
    artifact_ref: str

    @classmethod
    def from_server(cls, data: Mapping[str, Any]) -> RegistryLink:
        return cls(
            ref=data["ref"],
            version=f"v{data['version']}",
            aliases=tuple(data["aliases"]),
            linked_at=require_datetime(data["linkedAt"]),
            linked_by=data["linkedBy"],
            artifact_ref=data["artifact"]["ref"],
        )
