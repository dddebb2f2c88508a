"""Measurements that fail on their own (a memory row of a server process that is gone is recorded as failed), and
the order the lineage contenders take their turns in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.measure import Memory, order
from bench.processes import Served, free_port
from bench.report import memory_table


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
