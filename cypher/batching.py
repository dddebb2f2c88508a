"""Reads of one statement text that wait together go to Neo4j as one statement (`UNWIND` over their parameters).

Under load, most of a registry read's cost is the driver's and Neo4j's per-statement work, not the read itself:
one statement answering eight reads costs the driver about a quarter of what eight statements cost. So, for
each statement text and caller (a lane), at most `IN_FLIGHT` statements run at once. A read that finds its lane
full waits, and when a statement of the lane returns, every read then waiting goes as one. An idle server adds
no wait; a busy one sends fewer, larger statements. (One at a time beat two under uvicorn at concurrency 16:
batches of eight rather than three, and less CPU per request.)

A batch runs its reads one after the other, and a read waits for the lane's statement in progress: so a lane is
one caller's, and a tenant's slow reads (a filtered page over a big project) hold back only its own.

The batched statement runs the original once per read, each with its own parameters, caller included:

    UNWIND $stemma_read AS stemma_read CALL (stemma_read) { <the text, each $name written stemma_read.name> }
    RETURN stemma_read.stemma_index AS stemma_index, result

Neo4j allows no variable after LIMIT or SKIP, so the parameters there stay parameters, and only reads that give
them the same values share a lane. When a batched statement fails, each of its reads runs alone and is answered
as soon as it is, with its own rows or error. A text whose batch Neo4j refused (a WITH that drops `stemma_read`,
say), or which ran out of time or memory (a batch is one transaction, with one read's limits), is read alone
from then on."""

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
REMEMBERED = 1024  # texts to read alone, remembered
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
    `failures` are the errors it raises for a statement Neo4j did not answer, and `goes_alone` tells which of
    them, met by a batch, mean its text is to be read alone from then on."""

    def __init__(
        self,
        read_alone: ReadAlone,
        failures: tuple[type[Exception], ...],
        goes_alone: Callable[[Exception], bool],
    ) -> None:
        self._read_alone = read_alone
        self._failures = failures
        self._goes_alone = goes_alone
        self._lanes: dict[Hashable, _Lane] = {}
        self._alone: OrderedDict[str, None] = OrderedDict()  # texts read alone from now on
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, text: str, params: dict[str, Any]) -> list[Row]:
        """The rows of `text` with `params`, read alone or together with others of the same text."""
        key = _lane_key(text, params) if text not in self._alone else None
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
            if len(group) == 1:
                await self._answer_alone(lane.text, group[0])
            else:
                await self._batched(lane, group)
        except Exception as exc:  # a fault of Stemma's own: every read of the group not answered sees it
            for waiting in group:
                _settle(waiting, exc)
        except BaseException:  # cancelled (the server is stopping): so are the reads
            for waiting in group:
                waiting.answer.cancel()
            raise
        finally:
            self._next(key, lane)

    async def _batched(self, lane: _Lane, group: list[_Waiting]) -> None:
        reads = [{**_varying(waiting.params, lane.static), INDEX: i} for i, waiting in enumerate(group)]
        try:
            rows = await self._read_alone(_batched_text(lane.text, lane.static), {**lane.static, ROW: reads})
        except self._failures as exc:
            if self._goes_alone(exc):
                self._remember_alone(lane.text)
            await asyncio.gather(*(self._answer_alone(lane.text, waiting) for waiting in group))
            return
        answers: list[list[Row]] = [[] for _ in group]
        for row in rows:
            answers[row[INDEX]].append({"result": row["result"]})
        for waiting, answer in zip(group, answers, strict=True):
            _settle(waiting, answer)

    async def _answer_alone(self, text: str, waiting: _Waiting) -> None:
        """Read alone, and answer as soon as read (not when the group's other reads are)."""
        if waiting.answer.done():
            return  # given up meanwhile
        try:
            rows = await self._read_alone(text, waiting.params)
        except self._failures as exc:
            _settle(waiting, exc)
            return
        _settle(waiting, rows)

    def _remember_alone(self, text: str) -> None:
        self._alone[text] = None
        if len(self._alone) > REMEMBERED:
            self._alone.popitem(last=False)


def _settle(waiting: _Waiting, answer: list[Row] | Exception) -> None:
    if waiting.answer.done():
        return
    if isinstance(answer, Exception):
        waiting.answer.set_exception(answer)
    else:
        waiting.answer.set_result(answer)


@functools.lru_cache(maxsize=REMEMBERED)
def _parameters(text: str) -> frozenset[str]:
    return frozenset(_PARAMETER.findall(text))


@functools.lru_cache(maxsize=REMEMBERED)
def _static(text: str) -> tuple[str, ...]:
    return tuple(sorted(set(_STATIC.findall(text))))


def _lane_key(text: str, params: dict[str, Any]) -> Hashable | None:
    """The lane of `text` with `params`: its text, the values of its LIMIT and SKIP parameters, and the caller's
    user; None when the text names a parameter it is not given, or one of those values cannot key a lane."""
    if ROW in params or not _parameters(text) <= params.keys():
        return None
    static = tuple((name, params[name]) for name in _static(text))
    caller = params.get("caller")
    user = caller.get("user") if isinstance(caller, dict) else None
    key = (text, static, user)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _varying(params: dict[str, Any], static: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name not in static}


def _batched_text(text: str, static: dict[str, Any]) -> str:
    inner = _PARAMETER.sub(lambda m: m.group(0) if m.group(1) in static else f"{ROW}.{m.group(1)}", text)
    return f"UNWIND ${ROW} AS {ROW} CALL ({ROW}) {{ {inner} }} RETURN {ROW}.{INDEX} AS {INDEX}, result"
