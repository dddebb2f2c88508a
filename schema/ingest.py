"""Batch import: many runs with their inputs and outputs in one request and one transaction."""

from __future__ import annotations

import strawberry

from cypher.batch import MAX_RUNS, record_runs
from schema.content import check_possession
from schema.context import Info
from schema.inputs import RecordRunInput, check_run
from schema.mutations import transact


@strawberry.type
class RecordRunsResult:
    runs: int
    used: int = strawberry.field(description="USED_BY edges recorded (repeats counted once).")
    logged: int = strawberry.field(description="LOGGED edges recorded (repeats counted once).")
    versions_created: int


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description=f"Record up to {MAX_RUNS} runs at once — each created (or found by runId), its inputs used, "
        "its outputs logged and its end state set — in one transaction: all or nothing, and repeating it "
        "changes nothing. For importing lineage in bulk; the SDK logs run by run."
    )
    async def record_runs(self, info: Info, runs: list[RecordRunInput]) -> RecordRunsResult:
        checked = [check_run(run, f"runs[{index}]") for index, run in enumerate(runs)]
        for run in checked:  # roles first: a refusal must not depend on what is stored
            info.context.caller.require(run.entity, "member", f"{run.where}.entity")
        manifests = [(f"{log.where}.files", log.manifest) for run in checked for log in run.logs]
        await check_possession(info.context, manifests)
        counts = await transact(info, lambda writer: record_runs(writer, checked))
        return RecordRunsResult(
            runs=counts.runs, used=counts.used, logged=counts.logged, versions_created=counts.created
        )
