"""What the server processes on one graph agree on through Neo4j, beyond what the workers of one host share in
memory (server/shared.py). Every `cluster_sync_seconds` the leader worker of each host takes one step, one
write transaction (statements/cluster_step.cypher):

- it leaves the tokens its host spent per key since its last step, and charges its own buckets with what
  the other hosts left since: a key's rate is its rate in total across hosts, give or take one step's worth
  of requests on each. Hosts exchange tokens only with hosts whose limit has the same rate and burst.
- it reads the keys generation, which moves in the transaction of every revocation and every change of
  roles or registry access (cypher/accounts.py `account_change`); when it moved, and at a new leader's first
  step, the host's workers forget the keys they remember. A revoked key is refused by the host that revoked
  it at once, and by the others within a step.
- it holds or takes the sweeper lease of its sweep settings: one host at a time sweeps silent runs.

Migrations are applied once under a lock of their own (cypher/migrate.py).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cypher.errors import StemmaError
from schema.service import Graph
from server.ratelimit import RateLimiter
from server.settings import Settings
from server.shared import SharedState

logger = logging.getLogger("stemma.server")
SPENDS_KEPT_SECONDS = 30  # at least; five steps when steps are longer
MAX_SENT = 20_000  # (limiter, key) entries one step leaves; the rest wait for the next
MAX_UNSENT = 200_000  # entries kept while Neo4j does not answer; past it the smallest are dropped
CHARGES_AT_ONCE = 1_000  # charges between yields to the event loop
UNSIGNED = 1 << 64


def signed(key: int) -> int:
    """A 64-bit key id as Neo4j's signed integer, and back with `% UNSIGNED`."""
    return key - UNSIGNED if key >= UNSIGNED // 2 else key


@dataclass
class Cluster:
    """The leader's side of the steps: what it sent, what it applied, and whether its host sweeps."""

    graph: Graph
    shared: SharedState
    limiters: Sequence[RateLimiter]
    interval: float
    lease: str
    sweeps: bool = False
    _keys_generation: int | None = None
    _unsent: dict[tuple[str, int], float] = field(default_factory=dict)
    _applied: dict[str, float] = field(default_factory=dict)
    _stepped: bool = False

    @classmethod
    def of(cls, graph: Graph, shared: SharedState, limiters: Sequence[RateLimiter], settings: Settings) -> Cluster:
        lease = f"sweeper/{settings.stale_run_seconds:g}/{settings.sweep_interval_seconds:g}"
        return cls(graph, shared, limiters, settings.cluster_sync_seconds, lease)

    @property
    def kept_seconds(self) -> float:
        """How long spends stay in the graph: long enough for every host to step several times."""
        return max(SPENDS_KEPT_SECONDS, 5 * self.interval)

    @property
    def lease_seconds(self) -> float:
        """How long a host holds the sweeper lease after its last step: a host that dies hands it on after."""
        return max(5 * self.interval, 5.0)

    async def step(self) -> bool:
        """One step; what this host spent and could not send (Neo4j away, or more than MAX_SENT entries) goes
        with the next one. False when Neo4j did not take it."""
        by_name = {limiter.name: limiter for limiter in self.limiters}
        for name, limiter in by_name.items():
            for key, amount in limiter.collect().items():
                self._unsent[name, key] = self._unsent.get((name, key), 0.0) + amount
        if len(self._unsent) > MAX_UNSENT:
            kept = sorted(self._unsent.items(), key=lambda item: item[1], reverse=True)[:MAX_UNSENT]
            logger.warning("cluster step: %d spent-token counts not sent were dropped", len(self._unsent) - MAX_UNSENT)
            self._unsent = dict(kept)
        sending = list(itertools.islice(self._unsent.items(), MAX_SENT))
        now = time.monotonic()
        self._applied = {spend: at for spend, at in self._applied.items() if at > now - 2 * self.kept_seconds}
        parameters = {
            "instance": self.shared.instance,
            "limiters": [name for (name, _), _ in sending],
            "keys": [signed(key) for (_, key), _ in sending],
            "amounts": [amount for _, amount in sending],
            "keep_seconds": self.kept_seconds,
            "lease": self.lease,
            "lease_seconds": self.lease_seconds,
            "applied": list(self._applied),
        }
        try:
            answer = await self.graph.cluster_step(parameters)
        except StemmaError as exc:
            logger.warning("cluster step skipped: %s", exc.message)
            return False
        for entry, _ in sending:
            del self._unsent[entry]
        if answer["sweeps"] != self.sweeps:
            logger.info("this host %s sweeps silent runs", "now" if answer["sweeps"] else "no longer")
        self.sweeps = answer["sweeps"]
        generation = answer["keys_generation"]
        if generation != self._keys_generation:
            # Also on this leader's first step: a change made before it (under an earlier leader of this host,
            # or while Neo4j was away) may not have reached the keys the host's workers remember.
            self.shared.keys_changed()
        self._keys_generation = generation
        charged = 0
        for spend in answer["spends"]:
            self._applied[spend["id"]] = now
            if not self._stepped:
                continue  # spent before this host joined: its buckets started full after that anyway
            for name, key, amount in zip(spend["limiters"], spend["keys"], spend["amounts"], strict=True):
                if name in by_name:
                    by_name[name].charge(key % UNSIGNED, amount)
                    charged += 1
                    if charged % CHARGES_AT_ONCE == 0:
                        await asyncio.sleep(0)  # requests are answered meanwhile
        self._stepped = True
        return True

    async def leave(self) -> None:
        """Hand the sweeper lease on at once (on a clean stop)."""
        if self.sweeps:
            try:
                await self.graph.cluster_leave(self.shared.instance, self.lease)
            except Exception as exc:  # stopping goes on: the lease expires by itself
                logger.warning("could not hand the sweeper lease on: %s", exc)
