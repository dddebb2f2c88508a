"""Whole runs recorded at once, for bulk import from Python (`Api().record_runs`): what each run used and
logged, and how it ended. One question asks which file contents the server lacks, those are uploaded, and
each batch of up to 500 runs is one `recordRuns` request and one transaction: a run that used one artifact
and logged one costs two requests when the server has its files already. Recording the same runs again
changes nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stemma import queries
from stemma.artifacts import Artifact
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.names import new_run_id
from stemma.transfer import Transfer

MAX_RUNS = 500  # the server's recordRuns limits
MAX_LOGS = 5000
MAX_BATCH_BYTES = 768 * 1024  # under the server's 1 MiB request body
STATES = ("finished", "failed", "crashed", "running")


@dataclass(frozen=True)
class RunRecord:
    """A run as it happened. `uses` are references (a name alone means the run's project) or logged
    Artifacts; `logs` are draft Artifacts with their files, or (Artifact, aliases) pairs; `id` is made up
    when left out (recording again then makes another run)."""

    project: str
    id: str | None = None
    entity: str | None = None
    name: str | None = None
    job_type: str | None = None
    group: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    tags: Sequence[str] = ()
    notes: str | None = None
    state: str = "finished"
    uses: Sequence[str | Artifact] = ()
    logs: Sequence[Artifact | tuple[Artifact, Sequence[str]]] = ()


@dataclass(frozen=True)
class RecordedRuns:
    """What the server recorded: runs, use and log edges (a repeat counted once), new versions, and the files
    uploaded because the server lacked them."""

    runs: int
    used: int
    logged: int
    versions_created: int
    files_uploaded: int


def record_runs(client: GraphQLClient, records: Sequence[RunRecord], entity: str | None) -> RecordedRuns:
    """Upload what the server lacks, then send the runs in batches the server takes whole."""
    inputs, drafts = [], []
    for index, record in enumerate(records):
        if record.state not in STATES:
            raise UsageError(f"records[{index}].state must be one of {', '.join(STATES)}", field="state")
        owner = record.entity or entity
        if not owner:
            raise UsageError(f"records[{index}] needs an entity: give it one, or the Api an entity", field="entity")
        if isinstance(record.tags, str):
            raise UsageError(f"records[{index}].tags must be a list of strings, not one string", field="tags")
        logs = [(item, ()) if isinstance(item, Artifact) else item for item in record.logs]
        drafts += [artifact for artifact, _ in logs]
        inputs.append(
            {
                "entity": owner,
                "project": record.project,
                "runId": record.id or new_run_id(),
                "name": record.name,
                "jobType": record.job_type,
                "group": record.group,
                "config": dict(record.config),
                "tags": list(record.tags),
                "notes": record.notes,
                "state": record.state.upper(),
                "uses": [_use_ref(use, index) for use in record.uses],
                "logs": [_log_input(artifact, aliases, index) for artifact, aliases in logs],
            }
        )
    report = Transfer(client).upload([file for draft in drafts for file in draft._local.values()], "runs")
    totals = {"runs": 0, "used": 0, "logged": 0, "versionsCreated": 0}
    for batch in _batches(inputs):
        answer = client.execute(queries.RECORD_RUNS, {"runs": batch})["recordRuns"]
        totals = {key: totals[key] + answer[key] for key in totals}
    return RecordedRuns(
        runs=totals["runs"],
        used=totals["used"],
        logged=totals["logged"],
        versions_created=totals["versionsCreated"],
        files_uploaded=report.uploaded,
    )


def _use_ref(use: str | Artifact, index: int) -> str:
    if isinstance(use, str):
        return use
    if use.is_draft():
        raise UsageError(f"records[{index}].uses holds a draft {use.name!r}: a run uses logged versions", field="uses")
    return use.ref


def _log_input(artifact: Artifact, aliases: Sequence[str], index: int) -> dict[str, Any]:
    if not artifact.is_draft():
        raise UsageError(f"records[{index}].logs holds {artifact.ref}, already logged; log drafts", field="logs")
    return {
        "name": artifact.name,
        "type": artifact.type,
        "files": [entry.as_input() for entry in artifact.files],
        "metadata": artifact.metadata,
        "description": artifact.description,
        "aliases": [alias for alias in aliases if alias != "latest"],
    }


def _batches(inputs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive runs, at most MAX_RUNS runs, MAX_LOGS logs and about MAX_BATCH_BYTES of JSON a batch (a
    run larger than that alone is sent alone, for the server to accept or refuse)."""
    batches: list[list[dict[str, Any]]] = []
    logs = size = 0
    for run in inputs:
        bytes_ = len(json.dumps(run))
        full = batches and (
            len(batches[-1]) == MAX_RUNS or logs + len(run["logs"]) > MAX_LOGS or size + bytes_ > MAX_BATCH_BYTES
        )
        if not batches or full:
            batches.append([])
            logs = size = 0
        batches[-1].append(run)
        logs += len(run["logs"])
        size += bytes_
    return batches
