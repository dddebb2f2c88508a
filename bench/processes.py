"""The servers under test, each a subprocess on its own port: `stemma serve` and the @neo4j/graphql peer."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "bench" / "peer"


class ProcessFailed(RuntimeError):
    """A server did not start; the message carries its log."""


@dataclass(frozen=True)
class Neo4jTarget:
    """The benchmark's Neo4j: where it answers and how to sign in (None: it has no authentication)."""

    uri: str
    auth: tuple[str, str] | None = None

    @classmethod
    def from_environment(cls, uri: str) -> Neo4jTarget:
        """A Neo4j named on the command line, signed in with STEMMA_NEO4J_USER / STEMMA_NEO4J_PASSWORD."""
        password = os.environ.get("STEMMA_NEO4J_PASSWORD")
        return cls(uri, (os.environ.get("STEMMA_NEO4J_USER", "neo4j"), password) if password else None)

    def env(self) -> dict[str, str]:
        """The variables a Stemma process (or the peer) reads to reach this Neo4j."""
        env = {"STEMMA_NEO4J_URI": self.uri}
        if self.auth is not None:
            env |= {"STEMMA_NEO4J_USER": self.auth[0], "STEMMA_NEO4J_PASSWORD": self.auth[1]}
        return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PortTaken(ProcessFailed):
    """Another process took the server's port between `free_port` and its bind."""


@dataclass
class Served:
    """One server subprocess: how to start it, where it answers, where it logs. `listening` is what its own
    log says once it listens (`{url}` stands for its address)."""

    command: list[str]
    port: int
    log_path: Path
    ready_path: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    headers: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    listening: str = "{url}"
    ready_status: int | None = None  # the status `ready_path` must answer; None: any answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90, attempts: int = 3) -> Served:
        """Start the server and wait until it answers. Another process may take the port first: its answer does
        not count (only once this process's own log says it listens), and the port is given up for another."""
        for _ in range(attempts - 1):
            try:
                return self._start(timeout)
            except PortTaken:
                self._move(free_port())
        return self._start(timeout)

    def _move(self, port: int) -> None:
        """The same server on another port: the old one's number wherever the command or environment gave it."""
        old, new = str(self.port), str(port)
        self.command = [new if arg == old else arg for arg in self.command]
        self.env = {name: new if value == old else value for name, value in self.env.items()}
        self.port = port

    def _start(self, timeout: float) -> Served:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            started_at = log.tell()
            self.process = subprocess.Popen(
                self.command, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd
            )
        listening = self.listening.format(url=self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            written = self._written_since(started_at)
            if self.process.poll() is not None:
                if "address already in use" in written.lower():
                    raise PortTaken(f"port {self.port} was taken: {written[-2000:]}")
                raise ProcessFailed(f"{self.command[0]} exited: {self.log()}")
            try:
                if listening in written:
                    answer = httpx.get(self.url + self.ready_path, timeout=2)
                    if self.ready_status in (None, answer.status_code):
                        return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ProcessFailed(f"{self.command} did not answer within {timeout:.0f} s: {self.log()}")

    def _written_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


BENCH_USER = "bench-runner"
UNLIMITED = "1000000000"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process and its live descendants (a server's workers) have used so far."""
    total = 0.0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue  # a descendant that ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc's children lists."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError):
                pending.extend(int(child) for child in task.read_text().split())
    return found


class CpuMeter:
    """CPU seconds each named process spends between `__enter__` and `__exit__`: a cost per request that
    holds on a busy machine, where a rate only says what share of the cores the benchmark got."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid is not None}
        self.used: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc: object) -> None:
        self.used = {name: cpu_seconds(pid) - self._start[name] for name, pid in self.pids.items()}


def stemma_server(
    neo4j: Neo4jTarget, state: Path, port: int | None = None, workers: int = 1, execution: str = "compiled"
) -> Served:
    """`stemma serve` as a user runs it, against `neo4j`, with its files under `state`.

    The per-key rate limit is lifted: it is a policy, and the benchmark measures what the server can do."""
    port = port or free_port()
    env = {
        **neo4j.env(),
        "STEMMA_PORT": str(port),
        "STEMMA_STATE_DIR": str(state),
        "STEMMA_BLOB_DIR": str(state / "blobs"),
        "STEMMA_RATE_LIMIT_PER_SECOND": UNLIMITED,
        "STEMMA_RATE_LIMIT_BURST": UNLIMITED,
        "STEMMA_GRAPHQL_EXECUTION": execution,
    }
    command = [sys.executable, "-m", "server", "serve", "--workers", str(workers)]
    return Served(command, port, state / "stemma.log", "/healthz", env, listening="running on {url}")


def api_key(neo4j: Neo4jTarget) -> str | None:
    """A superuser API key for the benchmark, made with `stemma users add` / `stemma keys create`.

    None when this Stemma has no API keys (the command does not exist). Keys earlier runs made are revoked
    first, so a user's key limit is never reached however often the benchmark runs on one database."""
    env = {**os.environ, **neo4j.env()}

    def stemma(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", *command], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )

    listed = stemma("users", "list")
    for line in listed.stdout.splitlines() if listed.returncode == 0 else []:
        if line.startswith(f"{BENCH_USER} ") or line.startswith(f"{BENCH_USER}\t"):
            for key_id in re.findall(r"\bk_[0-9a-f]+\b", line.partition("keys:")[2]):
                stemma("keys", "revoke", key_id)
    for command in (["users", "add", BENCH_USER, "--superuser"], ["keys", "create", BENCH_USER]):
        done = stemma(*command)
        if done.returncode == 0:
            return done.stdout.strip().splitlines()[-1]
        if "No such command" in done.stderr:
            return None
    raise ProcessFailed(f"could not make an API key for the benchmark: {done.stderr[-2000:]}")


def install_peer() -> None:
    """`npm ci` in bench/peer unless node_modules already holds exactly the locked packages."""
    installed = PEER / "node_modules" / ".package-lock.json"
    lock = PEER / "package-lock.json"
    if installed.exists() and _locked_packages(installed) == _locked_packages(lock):
        return
    if shutil.which("npm") is None:
        raise ProcessFailed("npm is needed for the @neo4j/graphql peer (Node 20+)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER, check=True)


def _locked_packages(path: Path) -> object:
    import json

    return {name: entry.get("version") for name, entry in json.loads(path.read_text())["packages"].items() if name}


PEER_KEEP_ALIVE_MS = 65_000


def peer_server(
    neo4j: Neo4jTarget, state: Path, port: int | None = None, keep_alive_ms: int | None = PEER_KEEP_ALIVE_MS
) -> Served:
    """@neo4j/graphql with type definitions for Stemma's model, on @apollo/server, against `neo4j`; it
    closes a kept-alive connection after `keep_alive_ms` idle (None: after Node's default, 5 s)."""
    port = port or free_port()
    command = ["node", "server.mjs", str(port), neo4j.uri, *([] if keep_alive_ms is None else [str(keep_alive_ms)])]
    return Served(command, port, state / "peer.log", "/", env=neo4j.env(), cwd=PEER, listening="ready at {url}/")
