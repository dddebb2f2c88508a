"""Measurements that fail on their own (a memory row of a server process that is gone is recorded as failed, a
registry level whose server stops answering fails in bounded time), and the order the lineage contenders take their
turns in."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bench import measure
from bench.measure import Memory, order
from bench.processes import Served, free_port
from bench.report import memory_table
from tests.bench.test_load import recorder, request

ANSWER = b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"data":{"a":1}}'


def test_a_memory_row_of_a_server_that_has_exited_is_recorded_as_failed(tmp_path: Path) -> None:
    gone = Served([sys.executable, "-c", "pass"], free_port(), tmp_path / "gone.log", "/")
    gone.process = subprocess.Popen(gone.command)
    gone.process.wait()
    memory = Memory()

    assert memory.measure("gone idle", gone) is False

    reason = f"FileNotFoundError: [Errno 2] No such file or directory: '/proc/{gone.pid}/status'"
    assert memory.failed == {"gone idle": reason}
    assert memory.samples == {}
    assert memory_table(memory)[2:] == [f"| gone idle | **failed**: {reason} |"]


def test_over_four_rounds_each_contender_takes_each_place_once_and_follows_each_other_once() -> None:
    rounds = [order(4, round_) for round_ in range(4)]

    assert all(sorted(turns) == [0, 1, 2, 3] for turns in rounds)
    assert all(sorted(turns[place] for turns in rounds) == [0, 1, 2, 3] for place in range(4))
    pairs = sorted((turns[place], turns[place + 1]) for turns in rounds for place in range(3))
    assert pairs == [(a, b) for a in range(4) for b in range(4) if a != b]
    assert order(4, 4) == rounds[0]


def test_a_registry_level_whose_server_stops_answering_fails_instead_of_holding_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answers the level's checked request, then reads every request and answers none."""
    monkeypatch.setattr(measure, "LEVEL_SPARE_SECONDS", 1.0)

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        if number == 1:
            writer.write(ANSWER)
            await writer.drain()

    async def scenario() -> None:
        async with recorder(answer_once) as (state, port):
            server = Served([sys.executable, "-c", "import time; time.sleep(60)"], port, tmp_path / "s.log", "/")
            server.process = subprocess.Popen(server.command)
            try:
                with pytest.raises(TimeoutError, match="the level took over 1 s: the server stopped answering"):
                    level = measure.registry_level(server, None, "/", request(port), 2, 0.2, warm_up=False)
                    await asyncio.wait_for(level, 20)  # without the level's own bound, this one ends it
            finally:
                server.stop(9)
            assert state.requests == 3  # the checked one, then one on each of the level's two connections

    asyncio.run(scenario())
