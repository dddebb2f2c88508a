"""Start and stop real `stemma serve` processes for tests (uvicorn in a subprocess)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from bench.processes import ROOT, ProcessFailed, Served

__all__ = ["ROOT", "Impostor", "ServerProcess"]


@dataclass
class ServerProcess:
    """One server on `port`, its files under `state`, its log in `state/server.log`."""

    neo4j_uri: str
    state: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    served: Served | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.served.process if self.served is not None else None

    def start(self, timeout: float = 60, attempts: int = 3) -> ServerProcess:
        """Start the server and wait until /healthz answers 200. Two test workers can be handed the same free port
        and start their servers at once: the one that loses the bind exits, while the health check would reach the
        other's server. `Served` counts an answer only once this process's own log says it listens on the port,
        and gives a taken port up for another; a server that exits raises `ProcessFailed`, with its log."""
        env = {
            "STEMMA_NEO4J_URI": self.neo4j_uri,
            "STEMMA_PORT": str(self.port),
            "STEMMA_STATE_DIR": str(self.state),
            "STEMMA_BLOB_DIR": str(self.state / "blobs"),
            # Every query the tests send is answered both ways, compiled and resolved; a difference fails it.
            "STEMMA_GRAPHQL_EXECUTION": "verify",
            **self.extra_env,
        }
        self.state.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "server", "serve", *self.args]
        log = self.state / "server.log"
        self.served = Served(command, self.port, log, "/healthz", env, listening="running on {url}", ready_status=200)
        self.served.start(timeout, attempts)
        self.port = self.served.port
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.served is not None:
            self.served.stop(sig)
        self.served = None

    def log(self) -> str:
        path = self.state / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def first_admin_key(self, timeout: float = 60) -> str:
        """The key the server printed for the first admin of an empty database. Health answers as soon as Neo4j
        does, while migrations and the first admin are still being made, so this waits for the line."""
        deadline = time.monotonic() + timeout
        while not (keys := [line.strip() for line in self.log().splitlines() if line.strip().startswith("stm_")]):
            if time.monotonic() > deadline:
                raise ProcessFailed(f"no first admin key was printed: {self.log()}")
            time.sleep(0.1)
        return keys[0]


class Impostor(BaseHTTPRequestHandler):
    """Another process's server on a port: it answers 200 to any GET."""

    def do_GET(self) -> None:
        body = b"impostor"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass
