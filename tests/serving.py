"""Start and stop real `stemma serve` processes for tests (uvicorn in a subprocess)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    pass


class PortTaken(ServerFailed):
    """Another process took the port between `free_port` and the server's bind."""


def free_port() -> int:
    """A port free now; another process may take it before it is used (see `ServerProcess.start`)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """One server on `port`, its files under `state`, its log in `state/server.log`."""

    neo4j_uri: str
    state: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60, attempts: int = 3) -> ServerProcess:
        """Start the server and wait until it answers. Two test workers can be handed the same free port and start
        their servers at once: the one that loses the bind exits, while the health check would reach the other's
        server. So an answer counts only once this process's own log says it listens on the port, and a port
        taken is given up for another."""
        for _ in range(attempts - 1):
            try:
                return self._start(timeout)
            except PortTaken:
                self.port = free_port()
        return self._start(timeout)

    def _start(self, timeout: float) -> ServerProcess:
        env = {
            **os.environ,
            "STEMMA_NEO4J_URI": self.neo4j_uri,
            "STEMMA_PORT": str(self.port),
            "STEMMA_STATE_DIR": str(self.state),
            "STEMMA_BLOB_DIR": str(self.state / "blobs"),
            # Every query the tests send is answered both ways, compiled and resolved; a difference fails it.
            "STEMMA_GRAPHQL_EXECUTION": "verify",
            **self.extra_env,
        }
        self.state.mkdir(parents=True, exist_ok=True)
        log = (self.state / "server.log").open("ab")
        started_at = log.tell()  # the log is appended to across restarts: only what this process wrote counts
        command = [sys.executable, "-m", "server", "serve", *self.args]
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        listening = f"running on {self.url}"
        deadline = time.monotonic() + timeout
        while True:
            written = self._written_since(started_at)
            if self.process.poll() is not None:
                if "address already in use" in written:
                    raise PortTaken(f"port {self.port} was taken: {written}")
                raise ServerFailed(f"stemma serve exited: {self.log()}")
            try:
                if listening in written and httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ServerFailed(f"stemma serve did not become healthy: {self.log()}")
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def _written_since(self, offset: int) -> str:
        with (self.state / "server.log").open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log(self) -> str:
        path = self.state / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def first_admin_key(self, timeout: float = 60) -> str:
        """The key the server printed for the first admin of an empty database. Health answers as soon as Neo4j
        does, while migrations and the first admin are still being made, so this waits for the line."""
        deadline = time.monotonic() + timeout
        while not (keys := [line.strip() for line in self.log().splitlines() if line.strip().startswith("stm_")]):
            if time.monotonic() > deadline:
                raise ServerFailed(f"no first admin key was printed: {self.log()}")
            time.sleep(0.1)
        return keys[0]
