"""Reads of one statement text that wait together go to Neo4j as one statement (`UNWIND` over their parameters).

Under load, most of a registry read's cost is the driver's and Neo4j's per-statement work, not the read itself:
one statement answering eight reads costs the driver about a quarter of what eight statements cost. So, for
each statement text (a lane), at most `IN_FLIGHT` statements run at once. A read that finds its lane full waits,
and when a statement of the lane returns, every read then waiting goes as one. An idle server adds no wait; a
busy one sends fewer, larger statements. (One at a time beat two under uvicorn at concurrency 16: batches of
eight rather than three, and less CPU per request. The price is that the reads of a text wait behind a slow
one; the root reads sent this way are index lookups and keyset pages.)

The batched statement runs the original once per read, each with its own parameters, caller included:

    UNWIND $reads AS read CALL (read) { <the text, each $name written read.name> } RETURN read.index, result

Neo4j allows no variable after LIMIT or SKIP, so the parameters there stay parameters, and only reads that give
them the same values share a lane. A text Neo4j refuses in this form (a WITH that drops `read`, say) is
remembered and read alone from then on. When a batched statement fails for any other reason, each of its
reads is run alone, so each gets its own answer or error."""

from __future__ import annotations

import asyncio
import functools
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

IN_FLIGHT = 1  # statements of one lane running at once; more reads of it wait and go together
MOST = 64  # reads in one statement
REMEMBERED = 1024  # texts Neo4j refused in the batched form, remembered
ROW = "stemma_read"  # the batched statement's variable for one read's parameters, and the list of them
INDEX = "stemma_index"  # the key of a read's place in the list

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STATIC = re.compile(r"\b(?:LIMIT|SKIP)\s+\$([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)

Row = dict[str, Any]
ReadAlone = Callable[[str, dict[str, Any]], Awaitable[list[Row]]]


@dataclass
class _Waiting:
    params: dict[str, Any]
    answer: asyncio.Future[list[Row]]


@dataclass
class _Lane:
    text: str
    static: dict[str, Any]
    running: int = 0
    waiting: list[_Waiting] = field(default_factory=list)


class Batches:
    """The lanes of one executor. `read_alone` runs one statement as the executor would without batching;
    `failures` are the errors it raises for a statement Neo4j did not answer, and `is_refusal` tells which of
    them mean Neo4j refused the statement's text."""

    def __init__(
        self,
        read_alone: ReadAlone,
        failures: tuple[type[Exception], ...],
        is_refusal: Callable[[Exception], bool],
    ) -> None:
        self._read_alone = read_alone
        self._failures = failures
        self._is_refusal = is_refusal
        self._lanes: dict[Hashable, _Lane] = {}
        self._refused: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, text: str, params: dict[str, Any]) -> list[Row]:
        """The rows of `text` with `params`, read alone or together with others of the same text."""
        key = _lane_key(text, params) if text not in self._refused else None
        if key is None:
            return await self._read_alone(text, params)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(text, {name: params[name] for name in _static(text)})
        if lane.running >= IN_FLIGHT:
            waiting = _Waiting(params, asyncio.get_running_loop().create_future())
            lane.waiting.append(waiting)
            return await waiting.answer
        lane.running += 1
        try:
            return await self._read_alone(text, params)
        finally:
            self._next(key, lane)

    def _next(self, key: Hashable, lane: _Lane) -> None:
        """A statement of the lane returned: the reads waiting go as one, or the lane has one fewer running."""
        while lane.waiting:
            group = [waiting for waiting in lane.waiting[:MOST] if not waiting.answer.done()]
            del lane.waiting[:MOST]
            if group:
                task = asyncio.get_running_loop().create_task(self._together(key, lane, group))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return
        lane.running -= 1
        if lane.running == 0:
            del self._lanes[key]

    async def _together(self, key: Hashable, lane: _Lane, group: list[_Waiting]) -> None:
        try:
            answers: list[list[Row] | Exception]
            if len(group) == 1:
                answers = [await self._alone(lane.text, group[0].params)]
            else:
                answers = await self._batched(lane, group)
            for waiting, answer in zip(group, answers, strict=True):
                if waiting.answer.done():
                    continue
                if isinstance(answer, Exception):
                    waiting.answer.set_exception(answer)
                else:
                    waiting.answer.set_result(answer)
        except Exception as exc:  # a fault of Stemma's own: every read of the group sees it
            for waiting in group:
                if not waiting.answer.done():
                    waiting.answer.set_exception(exc)
        except BaseException:  # cancelled (the server is stopping): so are the reads
            for waiting in group:
                waiting.answer.cancel()
            raise
        finally:
            self._next(key, lane)

    async def _batched(self, lane: _Lane, group: list[_Waiting]) -> list[list[Row] | Exception]:
        reads = [{**_varying(waiting.params, lane.static), INDEX: i} for i, waiting in enumerate(group)]
        try:
            rows = await self._read_alone(_batched_text(lane.text, lane.static), {**lane.static, ROW: reads})
        except self._failures as exc:
            if self._is_refusal(exc):
                self._remember_refused(lane.text)
            return list(await asyncio.gather(*(self._alone(lane.text, waiting.params) for waiting in group)))
        answers: list[list[Row]] = [[] for _ in group]
        for row in rows:
            answers[row[INDEX]].append({"result": row["result"]})
        return [*answers]

    async def _alone(self, text: str, params: dict[str, Any]) -> list[Row] | Exception:
        try:
            return await self._read_alone(text, params)
        except self._failures as exc:
            return exc

    def _remember_refused(self, text: str) -> None:
        self._refused[text] = None
        if len(self._refused) > REMEMBERED:
            self._refused.popitem(last=False)


@functools.lru_cache(maxsize=REMEMBERED)
def _parameters(text: str) -> frozenset[str]:
    return frozenset(_PARAMETER.findall(text))


@functools.lru_cache(maxsize=REMEMBERED)
def _static(text: str) -> tuple[str, ...]:
    return tuple(sorted(set(_STATIC.findall(text))))


def _lane_key(text: str, params: dict[str, Any]) -> Hashable | None:
    """The lane of `text` with `params`: its text and the values of its LIMIT and SKIP parameters; None when
    the text names a parameter it is not given, or one of those values cannot key a lane."""
    if ROW in params or not _parameters(text) <= params.keys():
        return None
    static = tuple((name, params[name]) for name in _static(text))
    try:
        hash(static)
    except TypeError:
        return None
    return (text, static)


def _varying(params: dict[str, Any], static: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name not in static}


def _batched_text(text: str, static: dict[str, Any]) -> str:
    inner = _PARAMETER.sub(lambda m: m.group(0) if m.group(1) in static else f"{ROW}.{m.group(1)}", text)
    return f"UNWIND ${ROW} AS {ROW} CALL ({ROW}) {{ {inner} }} RETURN {ROW}.{INDEX} AS {INDEX}, result"
