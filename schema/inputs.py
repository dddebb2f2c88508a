"""What a run and its logs look like as mutation input, and the one check of each (createRun, logArtifact and
recordRuns share them): every refusal names the input's path."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import replace
from typing import Any

import strawberry

from cypher.batch import LogInput, RunInput
from cypher.errors import InvalidInput
from cypher.manifest import check_manifest
from cypher.refs import check_alias, check_name, check_project, parse_artifact_ref
from cypher.writes import MAX_OBJECT_BYTES, MAX_STEP, RunLog
from schema.fast_inputs import built_directly
from schema.scalars import JSON, Long
from schema.types import RunState

RUN_ID_ALPHABET = string.ascii_lowercase + string.digits
MAX_HISTORY_ROWS = 10_000
MAX_TAGS = 100
MAX_TEXT = 10_000


@built_directly
@strawberry.input
class CreateRunInput:
    entity: str
    project: str
    run_id: str | None = strawberry.field(default=None, description="Chosen by the client so retries are safe.")
    name: str | None = None
    job_type: str | None = None
    group: str | None = strawberry.field(
        default=None,
        description="Runs that belong together, such as the runs of one sweep (W&B's `group`); lineage clusters "
        "a group's runs together. Fixed when the run is created.",
    )
    config: JSON | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    notes: str | None = None


@strawberry.input(
    description="What a run logged since it last said (W&B's run.log, run.config and run.summary): keys set in "
    "its config and summary (merged over the run's own), and history rows."
)
class LogRunInput:
    id: strawberry.ID = strawberry.field(description="The run: its global id or ENTITY/PROJECT/RUN_ID.")
    config: JSON | None = strawberry.field(default=None, description="Keys to set in the run's config.")
    summary: JSON | None = strawberry.field(default=None, description="Keys to set in the run's summary.")
    history: list[JSON] = strawberry.field(
        default_factory=list,
        description="Rows in step order, each a JSON object with `_step`: a whole number, larger than the last "
        "step the run holds and than the row before. Sending the same rows again (a retry) keeps them once.",
    )
    tags: list[str] | None = strawberry.field(default=None, description="The run's tags, replacing those it has.")
    notes: str | None = strawberry.field(default=None, description="The run's notes, replacing what it has.")


@built_directly
@strawberry.input
class FileInput:
    path: str
    digest: str = strawberry.field(
        description="sha256 of the content, 64 lowercase hex characters; for a reference, its checksum (a sha256 "
        "or an ETag)."
    )
    size: Long
    ref: str | None = strawberry.field(
        default=None,
        description="A reference: the URI where the file stays (file://, http(s)://, s3://, gs://). It is "
        "recorded, not uploaded, and gives no access to any stored content.",
    )


@built_directly
@strawberry.input(description="An artifact a run logged: its name, type, files and what is said about it.")
class RecordLogInput:
    name: str
    type: str
    files: list[FileInput]
    metadata: JSON | None = None
    description: str | None = None
    aliases: list[str] = strawberry.field(default_factory=list)


@built_directly
@strawberry.input
class LogArtifactInput(RecordLogInput):
    run_id: strawberry.ID = strawberry.field(description="The run: its global id or ENTITY/PROJECT/RUN_ID.")


@built_directly
@strawberry.input(
    description="A run as it happened: what it used (refs; a name alone means its own project), "
    "what it logged, and how it ended."
)
class RecordRunInput(CreateRunInput):
    state: RunState = RunState.FINISHED
    uses: list[str] = strawberry.field(default_factory=list)
    logs: list[RecordLogInput] = strawberry.field(default_factory=list)


def check_run(run: CreateRunInput, where: str) -> RunInput:
    """A run to create (createRun: it stays running) or to record whole (recordRuns)."""
    entity = check_name(run.entity, f"{where}.entity")
    project = check_project(run.project, f"{where}.project")
    run_id = check_name(run.run_id, f"{where}.runId") if run.run_id is not None else new_run_id()
    checked = RunInput(
        entity=entity,
        project=project,
        run_id=run_id,
        name=check_name(run.name, f"{where}.name") if run.name is not None else run_id,
        job_type=check_name(run.job_type, f"{where}.jobType") if run.job_type is not None else None,
        group=check_name(run.group, f"{where}.group") if run.group is not None else None,
        config=check_object(run.config, f"{where}.config"),
        tags=check_tags(run.tags, f"{where}.tags"),
        notes=check_text(run.notes, f"{where}.notes"),
        where=where,
    )
    if not isinstance(run, RecordRunInput):
        return checked
    return replace(
        checked,
        state=run.state.value,
        uses=[
            parse_artifact_ref(ref, f"{where}.uses[{i}]", entity=entity, project=project)
            for i, ref in enumerate(run.uses)
        ],
        logs=[check_log(log, f"{where}.logs[{i}]") for i, log in enumerate(run.logs)],
    )


def check_run_log(log: LogRunInput) -> RunLog:
    """Config and summary are JSON objects; history rows are JSON objects whose `_step` goes up."""
    if len(log.history) > MAX_HISTORY_ROWS:
        raise InvalidInput(
            f"input.history: at most {MAX_HISTORY_ROWS:,} rows per call; got {len(log.history):,}",
            field="input.history",
            limit=MAX_HISTORY_ROWS,
        )
    history: list[dict[str, Any]] = []
    for index, row in enumerate(log.history):
        field = f"input.history[{index}]"
        checked = check_object(row, field)
        step = checked.get("_step")
        if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_STEP:
            raise InvalidInput(
                f"{field}._step must be a whole number from 0 to {MAX_STEP}; got {step!r}", field=field, limit=MAX_STEP
            )
        if history and step <= history[-1]["_step"]:
            raise InvalidInput(
                f"{field}._step is {step}, not after the row before it (step {history[-1]['_step']})", field=field
            )
        history.append(checked)
    return RunLog(
        config=check_object(log.config, "input.config"),
        summary=check_object(log.summary, "input.summary"),
        history=history,
        tags=check_tags(log.tags, "input.tags") if log.tags is not None else None,
        notes=check_text(log.notes, "input.notes"),
    )


def check_log(log: RecordLogInput, where: str, *, type_field: str | None = None) -> LogInput:
    return LogInput(
        name=check_name(log.name, f"{where}.name"),
        type=check_name(log.type, f"{where}.type"),
        manifest=check_manifest([vars(entry) for entry in log.files], f"{where}.files"),
        metadata=check_object(log.metadata, f"{where}.metadata"),
        description=check_text(log.description, f"{where}.description"),
        aliases=check_aliases(log.aliases, f"{where}.aliases"),
        where=where,
        type_field=type_field or f"{where}.type",
    )


def check_object(value: Any, field: str) -> dict[str, Any]:
    """A JSON object of at most `MAX_OBJECT_BYTES` once serialised (config, metadata: read back whole, so their
    size bounds what a reader of many of them costs)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object; got {type(value).__name__}", field=field)
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > MAX_OBJECT_BYTES:
        raise InvalidInput(
            f"{field} is {size:,} bytes as JSON; at most {MAX_OBJECT_BYTES:,} are allowed",
            field=field,
            limit=MAX_OBJECT_BYTES,
        )
    return value


def check_tags(tags: list[str], field: str = "tags") -> list[str]:
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"{field}: at most {MAX_TAGS} tags are allowed", field=field)
    for index, tag in enumerate(tags):
        check_name(tag, f"{field}[{index}]")
    return list(dict.fromkeys(tags))


def check_text(value: str | None, field: str) -> str | None:
    if value is not None and (len(value) > MAX_TEXT or "\0" in value):
        raise InvalidInput(f"{field} must be at most {MAX_TEXT} characters without NUL", field=field)
    return value


def check_aliases(aliases: list[str], field: str = "aliases") -> list[str]:
    return list(dict.fromkeys(check_alias(alias, f"{field}[{i}]") for i, alias in enumerate(aliases)))


def new_run_id() -> str:
    return "".join(secrets.choice(RUN_ID_ALPHABET) for _ in range(8))
