"""Token buckets per key (a user, or a client address), kept in the table the workers share (server/shared.py),
so that with N workers a key gets its rate in total, whichever worker its connections land on. Tokens spent on
other hosts arrive through the host's leader (server/cluster.py: `collect` what was spent here, `charge` what
was spent there)."""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import time
from dataclasses import dataclass, field

from server.shared import PROBES, SLOT, SLOTS, SPENT, SPENT_OFFSET, SharedState


@functools.lru_cache(maxsize=4096)
def key_id(key: str) -> int:
    """A hash that is the same in every process (Python's own `hash` is salted per process); 0 marks empty."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1


@dataclass
class RateLimiter:
    """`rate` tokens a second per key, bursts up to `burst`, in one region of a shared table.

    A key absent from the table has a full bucket, so a slot whose bucket has refilled is free for another
    key; only when all PROBES slots near a key are busy with unrefilled buckets is the least recently used
    one taken over (its key starts again from a full bucket)."""

    rate: float
    burst: float
    shared: SharedState = field(default_factory=lambda: SharedState.attach(None))
    region: str = "requests"

    def __post_init__(self) -> None:
        self._start = self.shared.region(self.region)

    @property
    def name(self) -> str:
        """The limiter and its limit: hosts share the tokens spent only with hosts whose limit is the same."""
        return f"{self.region}/{self.rate:g}/{self.burst:g}"

    def allow(self, key: str) -> bool:
        """Spend a token if there is one."""
        wanted, now = key_id(key), time.monotonic()
        with self.shared.lock:
            slot, tokens, spent = self._find(wanted, now)
            if tokens < 1:
                return False
            SLOT.pack_into(self.shared.memory, slot, wanted, tokens - 1, now, spent + 1)
            return True

    def available(self, key: str) -> bool:
        with self.shared.lock:
            return self._find(key_id(key), time.monotonic())[1] >= 1

    def spend(self, key: str) -> None:
        """Spend a token even when none is left: what already happened (a failed look-up) is a debt the
        bucket repays before it allows the next one."""
        wanted, now = key_id(key), time.monotonic()
        with self.shared.lock:
            slot, tokens, spent = self._find(wanted, now)
            SLOT.pack_into(self.shared.memory, slot, wanted, tokens - 1, now, spent + 1)

    def charge(self, key: int, amount: float) -> None:
        """Take `amount` tokens that the key spent on another host (by its `key_id`); a debt when past empty."""
        now = time.monotonic()
        with self.shared.lock:
            slot, tokens, spent = self._find(key, now)
            SLOT.pack_into(self.shared.memory, slot, key, tokens - amount, now, spent)

    def collect(self) -> dict[int, float]:
        """The tokens spent on this host since the last collection, by `key_id`; the count starts again."""
        spent: dict[int, float] = {}
        with self.shared.lock, memoryview(self.shared.memory) as memory:
            region = memory[self._start : self._start + SLOTS * SLOT.size]
            with region, region.cast("Q") as words:  # each slot's spent as its bits: a zero is all zero bits
                amounts = words[SPENT_OFFSET // 8 :: SLOT.size // 8].tolist()
            for index in itertools.compress(range(SLOTS), amounts):  # only the few slots that spent any
                slot = self._start + index * SLOT.size
                held, _, _, amount = SLOT.unpack_from(self.shared.memory, slot)
                if held and amount:
                    spent[held] = amount
                    SPENT.pack_into(self.shared.memory, slot + SPENT_OFFSET, 0.0)
        return spent

    @property
    def retry_after(self) -> int:
        """Seconds until an empty bucket holds a token again."""
        return max(1, math.ceil(1 / self.rate))

    def _find(self, wanted: int, now: float) -> tuple[int, float, float]:
        """The slot that holds (or should hold) the key's bucket, its tokens now, and the tokens it spent since
        the last collection. Slots are never emptied, so an empty one ends the search: the key would have been
        placed at or before it."""
        start = self._start
        home = wanted % SLOTS
        free: int | None = None
        oldest, oldest_at = start, math.inf
        for probe in range(PROBES):
            slot = start + (home + probe) % SLOTS * SLOT.size
            held, tokens, last, spent = SLOT.unpack_from(self.shared.memory, slot)
            if held == wanted:
                return slot, min(self.burst, tokens + (now - last) * self.rate), spent
            if held == 0:
                return (slot if free is None else free), self.burst, 0.0
            if free is None and tokens + (now - last) * self.rate >= self.burst:
                free = slot
            if last < oldest_at:
                oldest, oldest_at = slot, last
        return (oldest if free is None else free), self.burst, 0.0
