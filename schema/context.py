"""What every resolver gets: the executor, the caller, the limits and the file store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from strawberry.types import Info as StrawberryInfo

from cypher.executor import Executor
from cypher.printer import Limits


class FileStore(Protocol):
    """What the schema needs of the blob store: whether content is there."""

    async def missing(self, digests: list[str]) -> list[str]: ...


@dataclass
class Context:
    executor: Executor
    files: FileStore
    limits: Limits = field(default_factory=Limits)
    caller: dict[str, Any] = field(default_factory=lambda: {"user": "anonymous", "admin": True})
    stemma_version: str = ""


Info = StrawberryInfo[Context, None]
