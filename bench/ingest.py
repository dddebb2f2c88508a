"""Ingestion through the API, three ways: run by run as a live SDK run does it (createRun, one useArtifact,
one logArtifact), in batches of runs with `recordRuns` (one request and one transaction per batch), and
through the SDK itself, `Api().record_runs` from client threads (missingFiles, then recordRuns per call).

The lineage events are the `use` and the `log` (two per run). Runs go to a
project of their own, removed afterwards, so the loaded graph stays as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import stemma
from neo4j import Driver, ManagedTransaction

from bench.load import Connection, HttpError
from cypher.named import named

CREATE_RUN = "mutation($input: CreateRunInput!) { createRun(input: $input) { id } }"
USE = "mutation($run: ID!, $ref: String!) { useArtifact(runId: $run, ref: $ref) { id } }"
LOG = """mutation($input: LogArtifactInput!) {
  logArtifact(input: $input) { created artifact { id version } } }"""
CONTENT = b"weights of a model trained in the benchmark\n"
RECORD = "mutation($runs: [RecordRunInput!]!) { recordRuns(runs: $runs) { runs } }"
BATCH = 100
SDK_BATCHES = (1, 20)  # runs per Api().record_runs call
LINEAGE_NODES = """MATCH (r:Run {entity: $entity, project: $project}) RETURN r.id AS id
UNION ALL
MATCH (:ArtifactCollection {entity: $entity, project: $project})<-[:VERSION_OF]-(v:ArtifactVersion) RETURN v.id AS id"""
REMOVE_NODES = """UNWIND $ids AS id
CALL (id) { MATCH (x:Run {id: id}) RETURN x UNION MATCH (x:ArtifactVersion {id: id}) RETURN x }
OPTIONAL MATCH (a:Alias)-[:POINTS_TO]->(x)
DETACH DELETE a, x"""
CLEAN = """MATCH (c:ArtifactCollection {entity: $entity, project: $project}) DETACH DELETE c"""
REMOVE_BATCH = 500
CLEAN_PROJECT = "MATCH (p:Project {entity: $entity, name: $project}) DETACH DELETE p"


@dataclass
class IngestResult:
    concurrency: int
    batch: int = 1
    seconds: float = 0.0
    runs: int = 0
    request_latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    cpu: dict[str, float] = field(default_factory=dict)
    failed: str = ""
    sdk: bool = False

    @property
    def mode(self) -> str:
        if self.sdk:
            return f"SDK Api().record_runs, {self.batch} run{'s' if self.batch > 1 else ''} a call (2 requests)"
        if self.batch == 1:
            return "run by run (3 mutations, as a live SDK run)"
        return f"recordRuns, {self.batch} runs a batch"

    @property
    def runs_per_second(self) -> float:
        return self.runs / self.seconds

    @property
    def requests_per_second(self) -> float:
        per_call = 2 if self.sdk else 3 if self.batch == 1 else 1
        return len(self.request_latencies) * per_call / self.seconds

    @property
    def events_per_second(self) -> float:
        return 2 * self.runs_per_second


def upload(base_url: str, headers: dict[str, str]) -> str:
    digest = hashlib.sha256(CONTENT).hexdigest()
    response = httpx.put(f"{base_url}/files/sha256/{digest}", content=CONTENT, headers=headers, timeout=30)
    response.raise_for_status()
    return digest


Step = Callable[[Connection, int, int], Awaitable[int]]


async def _clients(result: IngestResult, port: int, headers: dict[str, str], seconds: float, step: Step) -> None:
    """`result.concurrency` clients repeat `step(connection, worker, number)` (it returns the runs it recorded)
    back to back for `seconds`; each step's latency is kept."""
    deadline = time.perf_counter() + seconds

    async def client(worker: int) -> None:
        connection = Connection(port, "/graphql", headers)
        number = 0
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    runs = await step(connection, worker, number)
                    result.request_latencies.append(time.perf_counter() - started)
                    result.runs += runs
                    number += runs
                except (HttpError, OSError) as exc:
                    result.errors += 1
                    result.first_error = result.first_error or str(exc)
                    number += 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(worker) for worker in range(result.concurrency)))
    result.seconds = time.perf_counter() - started


async def ingest(
    port: int,
    headers: dict[str, str],
    entity: str,
    project: str,
    dataset_ref: str,
    digest: str,
    concurrency: int,
    seconds: float,
) -> IngestResult:
    """Run by run, as the SDK logs: createRun, useArtifact, logArtifact."""

    async def one_run(connection: Connection, worker: int, number: int) -> int:
        run_id = f"w{worker}-{number}"
        run = await connection.graphql(
            CREATE_RUN, {"input": {"entity": entity, "project": project, "runId": run_id, "jobType": "train"}}
        )
        run_key = run["data"]["createRun"]["id"]
        await connection.graphql(USE, {"run": run_key, "ref": dataset_ref})
        files = [{"path": f"model-{run_id}.bin", "digest": digest, "size": len(CONTENT)}]
        await connection.graphql(
            LOG, {"input": {"runId": run_key, "name": f"model-w{worker}", "type": "model", "files": files}}
        )
        return 1

    result = IngestResult(concurrency)
    await _clients(result, port, headers, seconds, one_run)
    return result


async def ingest_batches(
    port: int,
    headers: dict[str, str],
    entity: str,
    project: str,
    dataset_ref: str,
    digest: str,
    concurrency: int,
    seconds: float,
    batch: int = BATCH,
) -> IngestResult:
    """Batches of `batch` runs (one use and one log each) with recordRuns."""

    async def batch_of_runs(connection: Connection, worker: int, number: int) -> int:
        runs = [
            {
                "entity": entity,
                "project": project,
                "runId": f"w{worker}-{number + n}",
                "jobType": "train",
                "uses": [dataset_ref],
                "logs": [
                    {
                        "name": f"model-w{worker}",
                        "type": "model",
                        "files": [
                            {"path": f"model-w{worker}-{number + n}.bin", "digest": digest, "size": len(CONTENT)}
                        ],
                    }
                ],
            }
            for n in range(batch)
        ]
        await connection.graphql(RECORD, {"runs": runs})
        return batch

    result = IngestResult(concurrency, batch=batch)
    await _clients(result, port, headers, seconds, batch_of_runs)
    return result


def ingest_sdk(
    base_url: str,
    api_key: str,
    entity: str,
    project: str,
    dataset_ref: str,
    concurrency: int,
    seconds: float,
    batch: int,
) -> IngestResult:
    """`concurrency` threads, each with its own `stemma.Api`, call `record_runs` back to back for `seconds`,
    each call `batch` runs that use the dataset and log a model whose content the server holds already (the
    SDK asks missingFiles, uploads nothing, then sends recordRuns). Latency is per call."""
    result = IngestResult(concurrency, batch=batch, sdk=True)
    counting = threading.Lock()
    deadline = time.perf_counter() + seconds
    folder = Path(tempfile.mkdtemp(prefix="stemma-bench-sdk-"))
    weights = folder / "model.bin"
    weights.write_bytes(CONTENT)

    def client(worker: int) -> None:
        number = 0
        with stemma.Api(base_url, api_key, entity=entity, retry_seconds=0) as api:
            while number == 0 or time.perf_counter() < deadline:  # every client calls at least once
                records = []
                for n in range(number, number + batch):
                    model = stemma.Artifact(f"model-s{worker}", "model")
                    model.add_file(weights, name=f"model-s{worker}-{n}.bin")
                    records.append(
                        stemma.RunRecord(
                            project=project, id=f"s{worker}-{n}", job_type="train", uses=[dataset_ref], logs=[model]
                        )
                    )
                started = time.perf_counter()
                try:
                    recorded = api.record_runs(records).runs
                    with counting:  # `result.runs += …` around the call would lose other threads' counts
                        result.runs += recorded
                        result.request_latencies.append(time.perf_counter() - started)
                except (stemma.StemmaError, OSError) as exc:
                    with counting:
                        result.errors += 1
                        result.first_error = result.first_error or str(exc)
                number += batch

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def remove_project(driver: Driver, entity: str, project: str) -> None:
    """Remove the project's runs and versions in batches, each with the lineage counts and onward marks they
    held on nodes that stay (forget_lineage.cypher, forget_onward.cypher, in the same transaction), then its
    collections and the project."""
    with driver.session() as session:
        ids = [row["id"] for row in session.run(LINEAGE_NODES, entity=entity, project=project)]
        for start in range(0, len(ids), REMOVE_BATCH):
            batch = ids[start : start + REMOVE_BATCH]
            session.execute_write(lambda tx, b=batch: _remove(tx, b))
        session.run(CLEAN, entity=entity, project=project).consume()
        session.run(CLEAN_PROJECT, entity=entity, project=project).consume()


def _remove(tx: ManagedTransaction, ids: list[str]) -> None:
    tx.run(named("lock_lineage_counts")).consume()  # else a fold meanwhile can write a removed node's count back
    tx.run(named("forget_onward"), ids=ids).consume()
    tx.run(named("forget_lineage"), ids=ids).consume()
    tx.run(REMOVE_NODES, ids=ids).consume()
