"""Batch import of lineage: many runs with what they used and logged, in one write transaction.

The effect is that of calling createRun, logArtifact and finishRun for each run
in order, and then useArtifact for every input: references are resolved after
the batch's logs, so a run may use what another run of the batch logged, and
`latest` means the newest version once the batch is in. The statements are
set-based: one for the runs, four per collection logged into, one per distinct
reference used and one for all uses, whatever the number of runs. A collection
is locked before its version numbers are given out, so concurrent batches and
single logs never collide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cypher.errors import Conflict, InvalidInput
from cypher.manifest import Manifest
from cypher.refs import LATEST, ArtifactRef
from cypher.writes import Writer

MAX_RUNS = 500
MAX_LOGS = 5000


@dataclass(frozen=True)
class LogInput:
    name: str
    type: str
    manifest: Manifest
    metadata: Mapping[str, Any]
    description: str | None
    aliases: Sequence[str]


@dataclass(frozen=True)
class RunInput:
    entity: str
    project: str
    run_id: str
    name: str
    job_type: str | None
    config: Mapping[str, Any]
    tags: Sequence[str]
    notes: str | None
    state: str
    uses: Sequence[ArtifactRef] = ()
    logs: Sequence[LogInput] = ()

    @property
    def id(self) -> str:
        return f"{self.entity}/{self.project}/{self.run_id}"


@dataclass
class BatchCounts:
    runs: int = 0
    used: int = 0
    logged: int = 0
    created: int = 0


@dataclass
class _Group:
    """The logs of one batch into one collection, in batch order."""

    entity: str
    project: str
    name: str
    type: str
    where: str
    logs: list[tuple[str, LogInput]] = field(default_factory=list)


def check_batch(runs: Sequence[RunInput]) -> None:
    if not 1 <= len(runs) <= MAX_RUNS:
        raise InvalidInput(f"runs: a batch holds 1 to {MAX_RUNS} runs; got {len(runs)}", field="runs", limit=MAX_RUNS)
    logs = sum(len(run.logs) for run in runs)
    if logs > MAX_LOGS:
        raise InvalidInput(f"runs: a batch holds at most {MAX_LOGS} logs; got {logs}", field="runs", limit=MAX_LOGS)


async def record_runs(writer: Writer, runs: Sequence[RunInput]) -> BatchCounts:
    """Write the whole batch in the writer's transaction; refusing anything refuses everything."""
    check_batch(runs)
    for index, run in enumerate(runs):
        writer.member_of(run.entity, f"runs[{index}].entity")
    await writer.run("record_runs", runs=[_run_row(run) for run in runs])
    counts = BatchCounts(runs=len(runs))
    for group in _groups(runs):
        logged, created = await _record_logs(writer, group)
        counts.logged += logged
        counts.created += created
    counts.used = await _record_uses(writer, runs)
    return counts


def _run_row(run: RunInput) -> dict[str, Any]:
    return {
        "id": run.id,
        "run_id": run.run_id,
        "entity": run.entity,
        "project": run.project,
        "name": run.name,
        "job_type": run.job_type,
        "config": json.dumps(run.config),
        "tags": list(run.tags),
        "notes": run.notes,
        "state": run.state,
    }


async def _record_uses(writer: Writer, runs: Sequence[RunInput]) -> int:
    versions: dict[str, dict[str, Any]] = {}
    uses: dict[tuple[str, str], dict[str, Any]] = {}
    for index, run in enumerate(runs):
        for position, ref in enumerate(run.uses):
            key = str(ref)
            if key not in versions:
                versions[key] = await writer.resolve(ref, f"runs[{index}].uses[{position}]")
            version_id = versions[key]["id"]
            uses.setdefault((run.id, version_id), {"run_id": run.id, "version_id": version_id, "alias": ref.alias})
    if uses:
        await writer.run("record_uses", uses=list(uses.values()))
    return len(uses)


def _groups(runs: Sequence[RunInput]) -> list[_Group]:
    groups: dict[tuple[str, str, str], _Group] = {}
    for index, run in enumerate(runs):
        for position, log in enumerate(run.logs):
            where = f"runs[{index}].logs[{position}].type"
            group = groups.setdefault(
                (run.entity, run.project, log.name), _Group(run.entity, run.project, log.name, log.type, where)
            )
            if log.type != group.type:
                raise Conflict(
                    f"{where}: artifact {log.name!r} is logged as a {group.type} and as a {log.type} in one batch",
                    field=where,
                )
            group.logs.append((run.id, log))
    return list(groups.values())


async def _record_logs(writer: Writer, group: _Group) -> tuple[int, int]:
    """Lock the collection, number the new content, revive deleted content, record every logger."""
    digests = list(dict.fromkeys(log.manifest.digest for _, log in group.logs))
    [locked] = await writer.run(
        "lock_collection",
        entity=group.entity,
        project=group.project,
        name=group.name,
        type=group.type,
        digests=digests,
    )
    if locked["type"] != group.type:
        raise Conflict(
            f"{group.where}: artifact {group.name!r} is a {locked['type']}; it cannot be logged as a {group.type}",
            field=group.where,
            existing_type=locked["type"],
            requested_type=group.type,
        )
    existing = {row["digest"]: row for row in locked["existing"]}
    first_logs = {log.manifest.digest: log for _, log in reversed(group.logs)}
    new = [
        _version_row(first_logs[digest], locked["next_version"] + number)
        for number, digest in enumerate(d for d in digests if d not in existing)
    ]
    revive = [row["id"] for row in existing.values() if row["deleted"]]
    [made] = await writer.run("create_versions", collection_id=locked["id"], new=new, revive=revive)
    ids = {
        **{digest: row["id"] for digest, row in existing.items()},
        **{row["digest"]: row["id"] for row in made["created"]},
    }
    unclaimed = {row["digest"] for row in new}
    logged: dict[tuple[str, str], dict[str, Any]] = {}
    for run_id, log in group.logs:
        digest = log.manifest.digest
        first = digest in unclaimed
        unclaimed.discard(digest)
        logged.setdefault((run_id, digest), {"run_id": run_id, "digest": digest, "created": first})
    await writer.run("record_logged", collection_id=locked["id"], logged=list(logged.values()))
    if made["created"]:
        newest = max(made["created"], key=lambda row: row["version"])
        await writer.set_aliases(locked["id"], newest["id"], [LATEST])
    elif revive:
        await writer.run("point_latest_version", collection_id=locked["id"])
    for _, log in group.logs:
        await writer.set_aliases(locked["id"], ids[log.manifest.digest], log.aliases)
    return len(logged), len(made["created"])


def _version_row(log: LogInput, version: int) -> dict[str, Any]:
    manifest = log.manifest
    return {
        "version": version,
        "digest": manifest.digest,
        "size": manifest.size,
        "file_count": len(manifest.entries),
        "file_paths": manifest.paths,
        "file_digests": manifest.digests,
        "file_sizes": manifest.sizes,
        "metadata": json.dumps(log.metadata),
        "description": log.description,
    }
