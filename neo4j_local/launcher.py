"""Build, start, probe and stop a local Neo4j instance in the background."""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

JAVA_PROJECT = Path(__file__).resolve().parent / "java"
MAIN_CLASS = "dev.stemma.neo4j.LocalNeo4j"
USER = "neo4j"


class LocalNeo4jError(RuntimeError):
    """The local Neo4j could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class LocalNeo4j:
    """One local instance: its jars, its home directory and its Bolt port."""

    state_dir: Path
    name: str = "dev"
    port: int = 7687
    heap: str = "1g"
    page_cache: str = "512m"
    tx_timeout_seconds: int = 120
    port_setting: str = "STEMMA_LOCAL_NEO4J_PORT"

    @property
    def lib_dir(self) -> Path:
        return self.state_dir / "neo4j" / "lib"

    @property
    def home(self) -> Path:
        return self.state_dir / "neo4j" / self.name

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "launcher.log"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    def password(self) -> str:
        """The instance's password, generated on first use and kept readable by its owner only."""
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            pass
        self.home.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(24)
        try:
            handle = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return self.password_file.read_text().strip()
        with os.fdopen(handle, "w") as out:
            out.write(secret)
        return secret

    @property
    def auth(self) -> tuple[str, str]:
        """Bolt credentials for this instance."""
        return (USER, self.password())

    def ensure_jars(self) -> bool:
        """Fetch Neo4j's jars and build the launcher once; True when work was done."""
        self.lib_dir.parent.mkdir(parents=True, exist_ok=True)
        # Test sessions on other ports share the jars: one builds them while the others wait.
        with (self.lib_dir.parent / "lib.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._build_jars()

    def _build_jars(self) -> bool:
        marker = self.lib_dir / ".built-from"
        fingerprint = _fingerprint(JAVA_PROJECT)
        if marker.exists() and marker.read_text() == fingerprint:
            return False
        if shutil.which("mvn") is None:
            raise LocalNeo4jError("Maven (mvn) is needed to fetch Neo4j's jars; install it (apt-get install maven)")
        if self.lib_dir.exists():
            shutil.rmtree(self.lib_dir)
        build_dir = self.state_dir / "neo4j" / "build"
        command = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(JAVA_PROJECT / "pom.xml"),
            f"-Dstemma.build.dir={build_dir}",
            "package",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={self.lib_dir}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalNeo4jError(f"fetching Neo4j with Maven failed:\n{result.stdout}{result.stderr}")
        shutil.copy(build_dir / "stemma-local-neo4j.jar", self.lib_dir)
        marker.write_text(fingerprint)
        return True

    def running_pid(self) -> int | None:
        """The pid of this instance's JVM when it is alive, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and MAIN_CLASS.encode() not in cmdline.read_bytes():
            return None
        return pid

    def bolt_answers(self) -> bool:
        """True when a Bolt handshake and a trivial query succeed."""
        if not _port_in_use(self.port):
            return False
        try:
            with (
                GraphDatabase.driver(self.uri, auth=self.auth, connection_timeout=2) as driver,
                driver.session() as session,
            ):
                session.run("RETURN 1").consume()
            return True
        except (DriverError, Neo4jError, OSError):
            return False

    def start(self, wait_seconds: float = 180) -> bool:
        """Start in the background and wait for Bolt; False when it was already running. One starter at a time:
        another process starting this instance meanwhile (`make test` starts the tests' Neo4j while it lints)
        is waited for, and then found running."""
        self.home.parent.mkdir(parents=True, exist_ok=True)
        with (self.home.parent / f"{self.name}.start.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._start(wait_seconds)

    def _start(self, wait_seconds: float) -> bool:
        if self.running_pid() is not None and self.bolt_answers():
            return False
        self.ensure_jars()
        if _port_in_use(self.port):
            raise LocalNeo4jError(
                f"port {self.port} is taken by {_holder(self.port)}; choose another with {self.port_setting}"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)  # the store holds API key hashes: its files are the owner's alone (umask 077 too)
        self.password()
        command = [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-cp",
            f"{self.lib_dir}/*",
            MAIN_CLASS,
            str(self.home),
            str(self.port),
            self.page_cache,
            str(self.tx_timeout_seconds),
            str(self.password_file),
        ]
        pid = _spawn_detached(command, self.log_file)
        self.pid_file.write_text(str(pid))
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if not _alive(pid):
                raise LocalNeo4jError(f"Neo4j exited during start-up:\n{self.log_tail()}")
            if self.bolt_answers():
                return True
            time.sleep(0.5)
        self.stop()  # leave no JVM behind that holds the port and the store
        raise LocalNeo4jError(f"Neo4j did not answer on {self.uri} within {wait_seconds:.0f} s:\n{self.log_tail()}")

    def stop(self, wait_seconds: float = 90) -> bool:
        """Stop gracefully (SIGTERM, then wait for the checkpoint); False when not running."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                return True
            time.sleep(0.2)
        raise LocalNeo4jError(f"Neo4j (pid {pid}) did not stop within {wait_seconds:.0f} s")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def _spawn_detached(command: list[str], log_file: Path) -> int:
    """Start `command` in its own session, owned by init rather than by us; returns its pid."""
    script = f"umask 077; {shlex.join(command)} >> {shlex.quote(str(log_file))} 2>&1 < /dev/null & echo $!"
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, start_new_session=True)
    return int(result.stdout.strip())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _holder(port: int) -> str:
    """Who holds `port`: another local Neo4j (its home and pid, so it can be stopped) or some other process."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:  # the process ended while we looked
            continue
        at = arguments.index(MAIN_CLASS) if MAIN_CLASS in arguments else -1
        if at >= 0 and arguments[at + 2 : at + 3] == [str(port)]:  # the JVM's arguments: home, then port
            pid = cmdline.parent.name
            return f"the local Neo4j of {arguments[at + 1]} (pid {pid}; `kill {pid}` stops it gracefully)"
    return "another process"


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _fingerprint(project: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(project).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
