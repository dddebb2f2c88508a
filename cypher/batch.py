"""The one write path for runs and what they used and logged: a batch of runs in one write transaction.

createRun is a batch of one run, logArtifact a batch of one log and useArtifact a
batch of one use; recordRuns is the general case. The effect of a batch is that of
creating each run, logging its outputs and ending it, in order, and then recording
every input: references are resolved after the batch's logs, so a run may use what
another run of the batch logged, and `latest` means the newest version once the
batch is in. The statements are set-based: one for the runs, two per collection
logged into (and one per alias moved), one per distinct reference used and one
for all uses, whatever the number of runs. A collection is locked before its version numbers are given out,
so concurrent batches never collide: numbers stay gapless and identical content
makes one version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cypher.errors import Conflict, InvalidInput, NotFound
from cypher.manifest import Manifest
from cypher.reads import Root
from cypher.refs import LATEST, ArtifactRef
from cypher.writes import Writer, by_id

MAX_RUNS = 500
MAX_LOGS = 5000


@dataclass(frozen=True)
class LogInput:
    """An artifact a run logged. `where` is the input's path in the request, named by its errors; a type
    conflict names `type_field` (a single log calls it `type`)."""

    name: str
    type: str
    manifest: Manifest
    metadata: Mapping[str, Any]
    description: str | None
    aliases: Sequence[str]
    where: str
    type_field: str


@dataclass(frozen=True)
class RunInput:
    """A run as it happened; `where` is its path in the request (`input`, `runs[3]`), named by its errors."""

    entity: str
    project: str
    run_id: str
    name: str
    job_type: str | None
    group: str | None
    config: Mapping[str, Any]
    tags: Sequence[str]
    notes: str | None
    where: str
    state: str = "running"
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
    logs: list[tuple[str | None, LogInput]] = field(default_factory=list)  # (run id or None, log)

    def type_conflict(self, message: str, **details: Any) -> Conflict:
        """A batch names the log in the message too; a single log's field says it all."""
        prefix = f"{self.where}: " if self.where != "type" else ""
        return Conflict(f"{prefix}{message}", field=self.where, **details)


@dataclass
class _Logged:
    """What the logs into one collection did: each digest's version, which digests made new versions, how
    many LOGGED edges they name and which of those are new ([run id, version id])."""

    ids: dict[str, str]
    created: list[str]
    edges: int
    added: list[list[str]]


def check_batch(runs: Sequence[RunInput]) -> None:
    if not 1 <= len(runs) <= MAX_RUNS:
        raise InvalidInput(f"runs: a batch holds 1 to {MAX_RUNS} runs; got {len(runs)}", field="runs", limit=MAX_RUNS)
    logs = sum(len(run.logs) for run in runs)
    if logs > MAX_LOGS:
        raise InvalidInput(f"runs: a batch holds at most {MAX_LOGS} logs; got {logs}", field="runs", limit=MAX_LOGS)


async def record_runs(writer: Writer, runs: Sequence[RunInput]) -> BatchCounts:
    """Write the whole batch in the writer's transaction; refusing anything refuses everything."""
    check_batch(runs)
    await write_runs(writer, runs)
    counts = BatchCounts(runs=len(runs))
    added: list[list[str]] = []
    for group in _groups(runs):
        logged = await _record_logs(writer, group)
        counts.logged += logged.edges
        counts.created += len(logged.created)
        added += logged.added
    counts.used, used = await _record_uses(writer, runs)
    await _mark_onward(writer, used=used, logged=added)
    return counts


async def write_runs(writer: Writer, runs: Sequence[RunInput], projects: Sequence[tuple[str, str]] = ()) -> None:
    """Create the runs (or find them by id) and end those given an end state, making their entities and projects
    and the other `projects` (entity, project) the caller writes into."""
    for run in runs:
        writer.member_of(run.entity, f"{run.where}.entity")
    places = list(dict.fromkeys([*((run.entity, run.project) for run in runs), *projects]))
    rows = [_run_row(run) for run in runs]
    [made] = await writer.run("record_runs", runs=rows, projects=[{"entity": e, "project": p} for e, p in places])
    if made["created"]:  # only a superuser may name an entity that does not exist yet
        await writer.default_registries(sorted(made["created"]))


async def record_versions(
    writer: Writer, entity: str, project: str, logs: Sequence[tuple[str | None, LogInput]]
) -> dict[str, str]:
    """Versions of one collection from `logs` (run id, log), each logged by its run when there is one and by
    none when None (content recorded from outside, as OpenLineage's datasets), whatever project the runs are in;
    the version id of each digest."""
    writer.member_of(entity, f"{logs[0][1].where}.namespace")
    first = logs[0][1]
    group = _Group(entity, project, first.name, first.type, first.type_field, list(logs))
    logged = await _record_logs(writer, group, runs_in_project=False)
    await _mark_onward(writer, logged=logged.added)
    return logged.ids


async def use_versions(writer: Writer, uses: Sequence[tuple[str, str]]) -> None:
    """Record that each (run id, version id) run used its version (a pair named twice, once)."""
    if uses:
        rows = [{"run_id": r, "version_id": v, "alias": None} for r, v in dict.fromkeys(uses)]
        [row] = await writer.run("record_uses", uses=rows)
        await _mark_onward(writer, used=row["added"])


async def create_run(writer: Writer, run: RunInput) -> Root:
    """Start a run (a batch of one that logs nothing); repeating it changes nothing."""
    await record_runs(writer, [run])
    return by_id("Run", run.id)


async def log_artifact(writer: Writer, run_id: str, log: LogInput) -> tuple[Root, bool]:
    """Log content from an existing run (a batch of one log); returns the version and whether it is new."""
    entity, project, _ = run_id.split("/", 2)
    writer.member_of(entity, f"{log.where}.runId")
    logged = await _record_logs(writer, _Group(entity, project, log.name, log.type, log.type_field, [(run_id, log)]))
    await _mark_onward(writer, logged=logged.added)
    digest = log.manifest.digest
    return by_id("ArtifactVersion", logged.ids[digest]), digest in logged.created


async def use_artifact(writer: Writer, run_id: str, ref: ArtifactRef) -> Root:
    """Record that an existing run used the version `ref` names (a batch of one use)."""
    writer.member_of(run_id.split("/", 1)[0], "runId")
    version = await writer.resolve(ref, "ref")
    rows = await writer.run("record_uses", uses=[_use_row(run_id, version["id"], ref)])
    if not rows[0]["used"]:
        raise NotFound(f"no run has id {run_id!r}", field="runId")
    await _mark_onward(writer, used=rows[0]["added"])
    return by_id("ArtifactVersion", version["id"])


def _run_row(run: RunInput) -> dict[str, Any]:
    return {
        "id": run.id,
        "run_id": run.run_id,
        "entity": run.entity,
        "project": run.project,
        "name": run.name,
        "job_type": run.job_type,
        "group": run.group,
        "config": json.dumps(run.config),
        "tags": list(run.tags),
        "notes": run.notes,
        "state": run.state,
    }


def _use_row(run_id: str, version_id: str, ref: ArtifactRef) -> dict[str, Any]:
    return {"run_id": run_id, "version_id": version_id, "alias": ref.alias}


async def _mark_onward(
    writer: Writer,
    used: Sequence[list[str]] = (),
    logged: Sequence[list[str]] = (),
    totals: tuple[Mapping[str, int], Mapping[str, int]] = ({}, {}),
) -> None:
    """Keep the onward marks (mark_onward.cypher) after these new edges: `used` [version id, run id] and
    `logged` [run id, version id]. Each end is looked up under its own label: in a write transaction, looking
    up an id that is not there waits for every other writer adding to that label's key. When the transaction's
    new edges are marked a batch at a time, `totals` gives each end's new edges in and out in all of them."""
    if used or logged:
        ends = {end for edge in (*used, *logged) for end in edge}
        in_total, out_total = ({k: n for k, n in total.items() if k in ends} for total in totals)
        await writer.run("mark_onward", used=list(used), logged=list(logged), in_total=in_total, out_total=out_total)


async def _record_uses(writer: Writer, runs: Sequence[RunInput]) -> tuple[int, list[list[str]]]:
    """Record every use of the batch; how many uses it names, and the edges that are new."""
    versions: dict[str, dict[str, Any]] = {}
    uses: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        for position, ref in enumerate(run.uses):
            key = str(ref)
            if key not in versions:
                versions[key] = await writer.resolve(ref, f"{run.where}.uses[{position}]")
            version_id = versions[key]["id"]
            uses.setdefault((run.id, version_id), _use_row(run.id, version_id, ref))
    if not uses:
        return 0, []
    [row] = await writer.run("record_uses", uses=list(uses.values()))
    return len(uses), row["added"]


def _groups(runs: Sequence[RunInput]) -> list[_Group]:
    groups: dict[tuple[str, str, str], _Group] = {}
    for run in runs:
        for log in run.logs:
            group = groups.setdefault(
                (run.entity, run.project, log.name),
                _Group(run.entity, run.project, log.name, log.type, log.type_field),
            )
            if log.type != group.type:
                raise Conflict(
                    f"{log.type_field}: artifact {log.name!r} is logged as a {group.type} and as a {log.type} "
                    "in one batch",
                    field=log.type_field,
                )
            group.logs.append((run.id, log))
    return list(groups.values())


async def _record_logs(writer: Writer, group: _Group, runs_in_project: bool = True) -> _Logged:
    """Lock the collection, number the new content, revive deleted content, record every logger, and move
    `latest` and the logs' aliases. The loggers must be runs of the collection's project unless not
    `runs_in_project`."""
    digests = list(dict.fromkeys(log.manifest.digest for _, log in group.logs))
    run_ids = list(dict.fromkeys(run_id for run_id, _ in group.logs if run_id is not None))
    rows = await writer.run(
        "lock_collection",
        entity=group.entity,
        project=group.project,
        name=group.name,
        type=group.type,
        digests=digests,
        run_ids=run_ids if runs_in_project else [],
    )
    if not rows:
        raise NotFound(f"no run has id {group.logs[0][0]!r}", field="runId")
    [locked] = rows
    if locked["type"] != group.type:
        raise group.type_conflict(
            f"artifact {group.name!r} is a {locked['type']}; it cannot be logged as a {group.type}",
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
    unclaimed = {row["digest"] for row in new}
    logged: dict[tuple[str, str], dict[str, Any]] = {}
    for run_id, log in group.logs:
        digest = log.manifest.digest
        first = digest in unclaimed
        unclaimed.discard(digest)
        if run_id is not None:
            logged.setdefault((run_id, digest), {"run_id": run_id, "digest": digest, "created": first})
    [made] = await writer.run(
        "log_versions", collection_id=locked["id"], new=new, revive=revive, logged=list(logged.values())
    )
    ids = {
        **{digest: row["id"] for digest, row in existing.items()},
        **{row["digest"]: row["id"] for row in made["created"]},
    }
    if made["created"]:
        newest = max(made["created"], key=lambda row: row["version"])
        await writer.set_aliases(locked["id"], newest["id"], [LATEST])
    elif revive:
        await writer.run("point_latest_version", collection_id=locked["id"])
    for _, log in group.logs:
        await writer.set_aliases(locked["id"], ids[log.manifest.digest], log.aliases)
    return _Logged(ids=ids, created=[row["digest"] for row in made["created"]], edges=len(logged), added=made["added"])


def _version_row(log: LogInput, version: int) -> dict[str, Any]:
    manifest = log.manifest
    return {
        "version": version,
        "digest": manifest.digest,
        "size": manifest.size,
        "file_count": len(manifest.entries),
        "file_paths": manifest.paths,
        "file_digests": manifest.digests,
        "contents": list(dict.fromkeys(manifest.digests)),  # each File once, however many paths hold it
        "file_sizes": manifest.sizes,
        "ref_paths": [entry.path for entry in manifest.references],
        "ref_uris": [entry.ref for entry in manifest.references],
        "ref_digests": [entry.digest for entry in manifest.references],
        "ref_sizes": [entry.size for entry in manifest.references],
        "metadata": json.dumps(log.metadata),
        "description": log.description,
    }
