"""A daemon thread telling the server a run is alive, so only a run whose process died is swept as crashed."""

from __future__ import annotations

import logging
import threading

from stemma import queries
from stemma.client import GraphQLClient
from stemma.errors import StemmaError

logger = logging.getLogger("stemma")


class Heartbeat:
    """Beats every `interval` seconds until stopped; a failed beat is logged and the next one tries again."""

    def __init__(self, client: GraphQLClient, run_path: str, interval: float) -> None:
        self.client = client
        self.run_path = run_path
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"stemma-heartbeat {run_path}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        warned = False
        while not self._stopped.wait(self.interval):
            try:
                alive = self.client.execute(queries.HEARTBEAT, {"id": self.run_path}, retry_seconds=0)["heartbeat"]
            except StemmaError as exc:
                logger.warning("heartbeat for run %s failed: %s", self.run_path, exc)
                continue
            if not alive and not warned:
                logger.warning("the server no longer counts run %s as running (swept as crashed?)", self.run_path)
                warned = True
