"""Measurements that fail on their own: a memory row of a server process that is gone is recorded as failed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.measure import Memory
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
