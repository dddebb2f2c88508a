"""What every resolver gets: the executor, the caller, the limits and the file store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from strawberry.types import Info as StrawberryInfo

from cypher.access import Caller
from cypher.executor import Executor, Row, Statement
from cypher.printer import Limits

__all__ = ["ConsoleLimits", "Context", "DocumentLimits", "FileStore", "Info", "KeyCache", "Limits", "Reads"]


class FileStore(Protocol):
    """What the schema needs of the blob store: how large stored content is."""

    async def sizes(self, digests: list[str]) -> dict[str, int]: ...


class Reads(Protocol):
    """Something that runs a read statement: the executor, or (verifying compiled execution) a recording."""

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]: ...


class KeyCache(Protocol):
    """The server's memory of which key is whose; forgotten after a revocation or a role change."""

    def forget(self) -> None: ...


@dataclass(frozen=True)
class DocumentLimits:
    """Bounds a GraphQL document keeps before it runs; past one, it is refused naming the limit."""

    max_depth: int
    max_tokens: int
    max_aliases: int


@dataclass(frozen=True)
class ConsoleLimits:
    timeout_seconds: float
    max_rows: int


@dataclass
class Context:
    executor: Executor
    files: FileStore
    caller: Caller
    limits: Limits
    console: ConsoleLimits
    authenticator: KeyCache | None = None
    response: Any = None
    stemma_version: str = ""
    cost_spent: int = 0  # the estimated cost of the root fields already compiled for this request
    reads: Reads | None = None  # where root fields read, when not straight from the executor

    @property
    def reader(self) -> Reads:
        return self.reads or self.executor


Info = StrawberryInfo[Context, None]
