"""Batch import: many runs with their inputs and outputs in one request and one transaction."""

from __future__ import annotations

import strawberry

from cypher.batch import MAX_RUNS, LogInput, RunInput, record_runs
from cypher.manifest import check_manifest
from cypher.refs import check_name, check_project, parse_artifact_ref
from schema.content import check_possession
from schema.context import Info
from schema.mutations import (
    RecordLogInput,
    check_aliases,
    check_object,
    check_tags,
    check_text,
    new_run_id,
    transact,
)
from schema.scalars import JSON
from schema.types import RunState


@strawberry.input(
    description="A run as it happened: what it used (refs; a name alone means its own project), "
    "what it logged, and how it ended."
)
class RecordRunInput:
    entity: str
    project: str
    run_id: str | None = None
    name: str | None = None
    job_type: str | None = None
    config: JSON | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    notes: str | None = None
    state: RunState = RunState.FINISHED
    uses: list[str] = strawberry.field(default_factory=list)
    logs: list[RecordLogInput] = strawberry.field(default_factory=list)


@strawberry.type
class RecordRunsResult:
    runs: int
    used: int = strawberry.field(description="USED_BY edges recorded (repeats counted once).")
    logged: int = strawberry.field(description="LOGGED edges recorded (repeats counted once).")
    versions_created: int


def check_run(run: RecordRunInput, where: str) -> RunInput:
    entity = check_name(run.entity, f"{where}.entity")
    project = check_project(run.project, f"{where}.project")
    run_id = check_name(run.run_id, f"{where}.runId") if run.run_id is not None else new_run_id()
    logs = [
        LogInput(
            name=check_name(log.name, f"{where}.logs[{i}].name"),
            type=check_name(log.type, f"{where}.logs[{i}].type"),
            manifest=check_manifest([vars(entry) for entry in log.files], f"{where}.logs[{i}].files"),
            metadata=check_object(log.metadata, f"{where}.logs[{i}].metadata"),
            description=check_text(log.description, f"{where}.logs[{i}].description"),
            aliases=check_aliases(log.aliases, f"{where}.logs[{i}].aliases"),
        )
        for i, log in enumerate(run.logs)
    ]
    return RunInput(
        entity=entity,
        project=project,
        run_id=run_id,
        name=check_name(run.name, f"{where}.name") if run.name is not None else run_id,
        job_type=check_name(run.job_type, f"{where}.jobType") if run.job_type is not None else None,
        config=check_object(run.config, f"{where}.config"),
        tags=check_tags(run.tags, f"{where}.tags"),
        notes=check_text(run.notes, f"{where}.notes"),
        state=run.state.value,
        uses=[
            parse_artifact_ref(ref, f"{where}.uses[{i}]", entity=entity, project=project)
            for i, ref in enumerate(run.uses)
        ],
        logs=logs,
    )


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description=f"Record up to {MAX_RUNS} runs at once — each created (or found by runId), its inputs used, "
        "its outputs logged and its end state set — in one transaction: all or nothing, and repeating it "
        "changes nothing. For importing lineage in bulk; the SDK logs run by run."
    )
    async def record_runs(self, info: Info, runs: list[RecordRunInput]) -> RecordRunsResult:
        checked = [check_run(run, f"runs[{index}]") for index, run in enumerate(runs)]
        for index, run in enumerate(checked):  # roles first: a refusal must not depend on what is stored
            info.context.caller.require(run.entity, "member", f"runs[{index}].entity")
        await check_possession(
            info,
            [
                (f"runs[{r}].logs[{n}].files", log.manifest)
                for r, run in enumerate(checked)
                for n, log in enumerate(run.logs)
            ],
        )
        counts = await transact(info, lambda writer: record_runs(writer, checked))
        return RecordRunsResult(
            runs=counts.runs, used=counts.used, logged=counts.logged, versions_created=counts.created
        )
