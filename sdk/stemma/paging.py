"""Lazily paged lists, as W&B's `Runs`, `Artifacts` and `ArtifactCollections`: a page is asked for only when
iteration (or an index) reaches it, one request per page, and `len()` is the server's count."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, overload

from stemma.client import GraphQLClient
from stemma.errors import UsageError

T = TypeVar("T")
MAX_PER_PAGE = 100  # the server's page limit


class Paged(Generic[T]):
    """The items of one connection, read `per_page` at a time. `document` aliases the connection `page` under
    the response path `path`; `oldest_first` reads it from its end backwards (`last`/`before`), so a listing
    the server gives newest first comes oldest first. `check` sees the object holding the connection with each
    page (and may refuse it by raising)."""

    def __init__(
        self,
        client: GraphQLClient,
        document: str,
        variables: Mapping[str, Any],
        path: tuple[str, ...],
        make: Callable[[dict[str, Any]], T],
        *,
        per_page: int = 50,
        oldest_first: bool = False,
        check: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> None:
        if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_PER_PAGE:
            raise UsageError(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}; got {per_page!r}")
        self._client = client
        self._document = document
        self._variables = dict(variables)
        self._path = path
        self._make = make
        self._per_page = per_page
        self._oldest_first = oldest_first
        self._check = check
        self._items: list[T] = []
        self._cursor: str | None = None
        self._more = True
        self._total: int | None = None

    def __iter__(self) -> Iterator[T]:
        index = 0
        while True:
            while index < len(self._items):
                yield self._items[index]
                index += 1
            if not self._more:
                return
            self._next_page()

    def __len__(self) -> int:
        """How many there are, as the server counts them (read with the first page)."""
        if self._total is None:
            self._next_page()
        assert self._total is not None
        return self._total

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if self._total is not None and index >= self._total:
            raise IndexError("index out of range")
        while index >= len(self._items) and self._more:
            self._next_page()
        if not 0 <= index < len(self._items):
            raise IndexError("index out of range")
        return self._items[index]

    def __repr__(self) -> str:
        count = "?" if self._total is None else str(self._total)
        return f"<{type(self).__name__} of {count}, {len(self._items)} read>"

    def _next_page(self) -> None:
        if self._oldest_first:
            paging = {"last": self._per_page, "before": self._cursor}
        else:
            paging = {"first": self._per_page, "after": self._cursor}
        data: Any = self._client.execute(self._document, {**self._variables, **paging})
        for key in self._path:
            data = data[key]
        if self._check is not None:
            self._check(data)
        page = data["page"]
        nodes = [edge["node"] for edge in page["edges"]]
        info = page["pageInfo"]
        if self._oldest_first:
            nodes.reverse()
            self._more, self._cursor = info["hasPreviousPage"], info["startCursor"]
        else:
            self._more, self._cursor = info["hasNextPage"], info["endCursor"]
        self._total = page["totalCount"]
        self._items.extend(self._make(node) for node in nodes)
        if not nodes:
            self._more = False
