"""Waiting for something a test cannot be told about directly: poll until it holds.

The bound only keeps a broken build from hanging the suite; it is far above any wait the tests expect, so a
slow machine makes a test slower, never red."""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_SECONDS = 300


def until(holds: Callable[[], object], what: str, *, poll_seconds: float = 0.1) -> None:
    """Poll `holds` (which may itself assert what must stay true meanwhile) until it returns something true."""
    for _ in range(int(HANG_SECONDS / poll_seconds)):
        if holds():
            return
        time.sleep(poll_seconds)
    raise AssertionError(f"{what} never happened")
