"""What the worker processes of one `stemma serve --workers N` share on their host.

uvicorn's workers are processes behind one listening socket, and a client's keep-alive connection stays with
the worker that accepted it. So that a key gets its configured rate in total (not N times it), and a key
revoked through one worker is refused by every worker at once, the workers map one small file:

    bytes 0-7     the keys generation: bumped after every change of keys or roles; each worker's key cache
                  compares it with the one it last saw on every request (a memory read, no Neo4j round trip)
    bytes 8-15    this host's instance id among the processes on the graph (server/cluster.py)
    REGIONS       token buckets, SLOTS of them per limiter: (key hash, tokens, last refill, tokens spent here
                  since the leader last told the other hosts), open addressing

A table change is a few field reads and writes under one flock on that file, held for microseconds and
never across an await; the kernel releases it if its holder dies. A single worker keeps the same table in
its own memory, without the lock.

One worker of the host, its leader (the first to take a flock that it keeps until it exits), carries this
table's news to and from the other hosts on the same graph, through Neo4j (server/cluster.py): key changes
made elsewhere, and tokens spent elsewhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import struct
from contextlib import AbstractContextManager
from pathlib import Path

GENERATION = struct.Struct("<Q")
INSTANCE = struct.Struct("<Q")
INSTANCE_OFFSET = 8
HEADER_BYTES = 64
# key hash (0: empty), tokens, last refill in time.monotonic() seconds, tokens spent since the leader collected
SLOT = struct.Struct("<Qddd")
SPENT = struct.Struct("<d")
SPENT_OFFSET = 24
SLOTS = 16_384
PROBES = 32
REGIONS = ("requests", "auth_failures")
SIZE = HEADER_BYTES + len(REGIONS) * SLOTS * SLOT.size
TABLE_FILE = "buckets"
LEADER_FILE = "leader.lock"
logger = logging.getLogger("stemma.server")


class SharedState:
    """The keys generation and the token-bucket regions, in a file the workers map (or in private memory)."""

    def __init__(self, memory: mmap.mmap | bytearray, lock_fd: int | None, directory: Path | None) -> None:
        self.memory = memory
        self._lock_fd = lock_fd
        self._directory = directory
        self._leader_fd: int | None = None
        # Exclusive use of the tables among the workers (nothing to exclude with one).
        self.lock: AbstractContextManager[object] = contextlib.nullcontext() if lock_fd is None else FileLock(lock_fd)

    @classmethod
    def create(cls, directory: Path) -> None:
        """Make the zeroed file in `directory`, before any worker starts (by the process that starts them)."""
        with (directory / TABLE_FILE).open("wb") as table:
            table.truncate(SIZE)
            table.seek(INSTANCE_OFFSET)
            table.write(INSTANCE.pack(new_instance_id()))

    @classmethod
    def attach(cls, directory: Path | None) -> SharedState:
        """Map the file `create` made in `directory`; without a directory (one worker), private memory."""
        if directory is None:
            memory = bytearray(SIZE)
            INSTANCE.pack_into(memory, INSTANCE_OFFSET, new_instance_id())
            return cls(memory, None, None)
        fd = os.open(directory / TABLE_FILE, os.O_RDWR)
        if os.fstat(fd).st_size != SIZE:
            os.close(fd)
            raise RuntimeError(f"{directory / TABLE_FILE} is not a table of this Stemma version ({SIZE} bytes)")
        return cls(mmap.mmap(fd, SIZE), fd, directory)

    @property
    def keys_generation(self) -> int:
        """Unlocked: an aligned 8-byte read; a reader racing a bump sees the old or the new value, and a
        value it did not see before means "forget" either way."""
        value: int = GENERATION.unpack_from(self.memory, 0)[0]
        return value

    def keys_changed(self) -> None:
        """Every worker's key cache forgets what it remembers, before its next request."""
        with self.lock:
            GENERATION.pack_into(self.memory, 0, self.keys_generation + 1)

    @property
    def instance(self) -> str:
        """This host's name among the processes on one graph: random, made once per `stemma serve`."""
        return f"{INSTANCE.unpack_from(self.memory, INSTANCE_OFFSET)[0]:016x}"

    def region(self, name: str) -> int:
        """Where the bucket slots of one limiter (a name from REGIONS) start in `memory`."""
        return HEADER_BYTES + REGIONS.index(name) * SLOTS * SLOT.size

    def leads(self) -> bool:
        """Whether this worker is the host's leader, which speaks for the host to the others on the graph and
        may sweep silent runs: the first to ask takes a flock and keeps it until it exits, when the next to ask
        takes over."""
        if self._directory is None:
            return True
        if self._leader_fd is not None:
            return True
        fd = os.open(self._directory / LEADER_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._leader_fd = fd
        logger.info("worker %d leads this host's workers", os.getpid())
        return True

    def close(self) -> None:
        if isinstance(self.memory, mmap.mmap):
            self.memory.close()
        for fd in (self._lock_fd, self._leader_fd):
            if fd is not None:
                os.close(fd)
        self._lock_fd = self._leader_fd = None


def new_instance_id() -> int:
    return int.from_bytes(os.urandom(8), "little")


class FileLock:
    """An exclusive flock on an open file: a class rather than a generator, as it is taken on every request."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
