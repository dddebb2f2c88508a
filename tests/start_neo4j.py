"""`python -m tests.start_neo4j N`: start the local Neo4j of each of N test processes, side by side, so that
`make test` has them starting while it lints and builds; each session then finds its own running (or waits
for its start to end: LocalNeo4j.start lets one starter in at a time) and stops it at its end as usual."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

from neo4j_local.launcher import LocalNeo4j
from tests.conftest import session_neo4j


def main(workers: int) -> None:
    instances = [session_neo4j(worker) for worker in range(max(workers, 1))]
    with ThreadPoolExecutor(len(instances)) as pool:
        for local, started in zip(instances, pool.map(LocalNeo4j.start, instances), strict=True):
            print(f"{local.uri}: {'started' if started else 'already running'}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
