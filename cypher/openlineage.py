"""OpenLineage events onto Stemma's graph: what `POST /api/v1/lineage` checks and writes.

The mapping (the README's "OpenLineage in" says the same):
- job namespace → project, job name → the run's name and job type, runId → the run's id, the parent run facet's
  runId → the run's group; START, RUNNING and OTHER leave a run running, COMPLETE finishes it, FAIL fails it,
  ABORT marks it crashed (an ended run keeps its first end, so events may come in any order);
- a dataset: namespace → project, name → a `dataset` collection. A version holds one reference, the dataset's
  `namespace/name`, with a digest that names the version: the dataset-version facet's `datasetVersion` when
  given; else, for a run's output, its namespace, name, schema fields and the run's id (each run that writes a
  dataset makes a version of it, however often its events say so); else its namespace, name and schema;
- outputs → versions the run logged; inputs → versions it used: the one the version facet names, else the
  version this run used before (a re-sent event), else the newest (`latest`, as Marquez reads "the current
  version"), else, for a dataset nobody has written yet, its schema's version. An input that arrives before its
  producer's output is therefore tied to the version that was newest then;
- a DatasetEvent records its dataset's version, a JobEvent its inputs' and outputs' (no run, so no edges);
- facets are kept: run and job facets in the run's config (`openlineage.run.NAME`, `openlineage.job.NAME`, merged
  event by event), a dataset's in its version's metadata (`openlineage`), as first seen.

Names become Stemma names (letters, digits, `-`, `_`, `.`): other characters turn into `-`, and a name that had
to change, or is too long, ends in 8 hex digits of its original's digest so two names never meet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.batch import LogInput, RunInput, record_versions, use_versions, write_runs
from cypher.errors import InvalidInput
from cypher.jsonvalues import check_json
from cypher.manifest import Manifest, ManifestEntry
from cypher.refs import MAX_NAME, REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX
from cypher.writes import MAX_OBJECT_BYTES, RunLog, Writer

EVENT_STATES = {
    **{"START": "running", "RUNNING": "running", "OTHER": "running"},
    **{"COMPLETE": "finished", "FAIL": "failed", "ABORT": "crashed"},
}
DATASET_TYPE = "dataset"
MAX_DATASETS = 100  # a side; each costs a few statements in the event's one transaction
MAX_FACET_BYTES = MAX_OBJECT_BYTES
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class Dataset:
    """A dataset as a version to log; `pinned` when the event named the version (the version facet)."""

    entity: str
    project: str
    log: LogInput
    pinned: bool


@dataclass(frozen=True)
class Event:
    """A checked event: its run (None for dataset and job events), the facets to merge into the run's config,
    and its datasets."""

    kind: str
    entity: str
    run: RunInput | None
    facets: Mapping[str, Any]
    inputs: list[Dataset] = field(default_factory=list)
    outputs: list[Dataset] = field(default_factory=list)


def stemma_name(value: str, *, project: bool = False) -> str:
    """`value` as a Stemma name (see the module's note); a project never starts like a registry's."""
    name = _UNSAFE.sub("-", value).strip("-")
    if not name.strip("."):  # '', '.', '..': not a name
        name = "-"
    if project and name.startswith((REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX)):
        name = "ol-" + name
    if name == value and len(name) <= MAX_NAME:
        return name
    return f"{name[: MAX_NAME - 9]}-{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def check_event(body: Any, entity: str) -> Event:
    """The event in `body`, checked against the OpenLineage spec's required fields; a refusal names the
    offending path (`run.runId`, `inputs[2].namespace`)."""
    event = _object(body, "", "the body must be a JSON object: one OpenLineage event")
    check_json(event, "the event")
    _time(event.get("eventTime"), "eventTime")
    for key in ("producer", "schemaURL"):
        _text(event.get(key), key)
    if "run" in event:
        return _run_event(event, entity)
    if "dataset" in event:
        dataset = _dataset(event["dataset"], "dataset", entity, None)
        return Event("DatasetEvent", entity, None, {}, outputs=[dataset])
    if "job" in event:
        _job(event.get("job"))
        return Event("JobEvent", entity, None, {}, *_datasets(event, entity, None))
    raise InvalidInput("an event names a run (RunEvent), a dataset (DatasetEvent) or a job (JobEvent)", field="run")


async def record_event(writer: Writer, event: Event) -> None:
    """Write the event in the writer's transaction: the run, the versions of its datasets, what it used and
    logged, and its facets."""
    writer.member_of(event.entity, "entity")  # first: nothing is read on behalf of a caller who may not write
    run = event.run
    datasets = [*event.inputs, *event.outputs]
    await write_runs(writer, [run] if run else [], [(dataset.entity, dataset.project) for dataset in datasets])
    used = []
    for dataset in event.inputs:
        version_id = await _input_version(writer, dataset, run.id if run is not None else None)
        if run is not None:
            used.append((run.id, version_id))
    for dataset in event.outputs:
        logger = run.id if run is not None else None
        await record_versions(writer, dataset.entity, dataset.project, [(logger, dataset.log)])
    await use_versions(writer, used)
    if run is not None and event.facets:
        try:
            await writer.log_run(run.id, RunLog(config=event.facets, summary={}, history=[]))
        except InvalidInput as exc:
            if exc.field != "input.config":
                raise
            raise InvalidInput(
                f"run.facets: with this event's run and job facets, the run's config would pass the "
                f"{MAX_OBJECT_BYTES:,} bytes a run may hold",
                field="run.facets",
                limit=MAX_OBJECT_BYTES,
            ) from None


async def _input_version(writer: Writer, dataset: Dataset, run_id: str | None) -> str:
    """The version an input names (see the module's note), made when it must be."""
    log = dataset.log
    if not dataset.pinned:
        rows = await writer.run(
            "openlineage_input", entity=dataset.entity, project=dataset.project, name=log.name, run_id=run_id
        )
        if rows and rows[0]["type"] == DATASET_TYPE and rows[0]["version_id"] is not None:
            return str(rows[0]["version_id"])
    ids = await record_versions(writer, dataset.entity, dataset.project, [(None, log)])
    return ids[log.manifest.digest]


def _run_event(event: Mapping[str, Any], entity: str) -> Event:
    event_type = event.get("eventType")
    event_type = "OTHER" if event_type is None else event_type  # the spec lets it be left out
    if not isinstance(event_type, str) or event_type not in EVENT_STATES:
        raise InvalidInput(f"eventType must be one of {', '.join(EVENT_STATES)}; got {event_type!r}", field="eventType")
    run = _object(event.get("run"), "run")
    given = _text(run.get("runId"), "run.runId")
    try:
        run_id = str(uuid.UUID(given))  # one spelling a run: lower case, hyphens
    except ValueError:
        raise InvalidInput(f"run.runId must be a UUID; got {given[:80]!r}", field="run.runId") from None
    namespace, name, job_facets = _job(event.get("job"))
    run_facets = _facets(run.get("facets"), "run.facets")
    parent = _nested(run_facets, "parent", "run", "runId")
    if parent is not None:
        _text(parent, "run.facets.parent.run.runId")
    project = stemma_name(namespace, project=True)
    facets: dict[str, Any] = {"openlineage.job": {"namespace": namespace, "name": name}}
    facets |= {f"openlineage.run.{key}": value for key, value in run_facets.items()}
    facets |= {f"openlineage.job.{key}": value for key, value in job_facets.items()}
    if len(json.dumps(facets)) > MAX_FACET_BYTES:
        raise InvalidInput(
            f"run.facets: at most {MAX_FACET_BYTES // 1024} KiB of run and job facets", field="run.facets"
        )
    checked = RunInput(
        entity=entity,
        project=project,
        run_id=run_id,
        name=stemma_name(name),
        job_type=stemma_name(name),
        group=stemma_name(parent) if parent is not None else None,
        config={},
        tags=(),
        notes=None,
        where="run",
        state=EVENT_STATES[event_type],
    )
    inputs, outputs = _datasets(event, entity, run_id)
    return Event("RunEvent", entity, checked, facets, inputs, outputs)


def _job(value: Any) -> tuple[str, str, dict[str, Any]]:
    job = _object(value, "job")
    return (
        _text(job.get("namespace"), "job.namespace"),
        _text(job.get("name"), "job.name"),
        _facets(job.get("facets"), "job.facets"),
    )


def _datasets(event: Mapping[str, Any], entity: str, run_id: str | None) -> tuple[list[Dataset], list[Dataset]]:
    """The inputs and the outputs; an output's unnamed version is the run's own."""
    sides = []
    for side, writer in (("inputs", None), ("outputs", run_id)):
        listed = event.get(side, [])
        if not isinstance(listed, list):
            raise InvalidInput(f"{side} must be a list of datasets", field=side)
        if len(listed) > MAX_DATASETS:
            raise InvalidInput(f"{side}: at most {MAX_DATASETS} datasets; got {len(listed)}", field=side)
        sides.append([_dataset(item, f"{side}[{index}]", entity, writer) for index, item in enumerate(listed)])
    return sides[0], sides[1]


def _dataset(value: Any, where: str, entity: str, writer: str | None) -> Dataset:
    """The dataset at `where` as a version to log; `writer` is the id of the run that wrote it, if any."""
    dataset = _object(value, where)
    namespace = _text(dataset.get("namespace"), f"{where}.namespace")
    name = _text(dataset.get("name"), f"{where}.name")
    facets = _facets(dataset.get("facets"), f"{where}.facets")
    kept: dict[str, Any] = {"namespace": namespace, "name": name, "facets": facets}
    for key in ("inputFacets", "outputFacets"):
        if key in dataset:
            kept[key] = _facets(dataset[key], f"{where}.{key}")
    given = _nested(facets, "version", "datasetVersion")
    if given is not None:
        key_text = json.dumps(["version", namespace, name, _text(given, f"{where}.facets.version.datasetVersion")])
    else:
        fields = _nested(facets, "schema", "fields")
        key_text = json.dumps(["schema", namespace, name, fields, writer], sort_keys=True)
    collection = stemma_name(name)
    entry = ManifestEntry(collection, hashlib.sha256(key_text.encode()).hexdigest(), 0, f"{namespace}/{name}")
    metadata = {"openlineage": kept}
    if len(json.dumps(metadata)) > MAX_FACET_BYTES:
        raise InvalidInput(f"{where}.facets: at most {MAX_FACET_BYTES // 1024} KiB of facets", field=f"{where}.facets")
    description = _nested(facets, "documentation", "description")
    log = LogInput(
        name=collection,
        type=DATASET_TYPE,
        manifest=Manifest((entry,)),
        metadata=metadata,
        description=description if isinstance(description, str) else None,
        aliases=(),
        where=where,
        type_field=where,
    )
    return Dataset(entity, stemma_name(namespace, project=True), log, pinned=given is not None)


def _nested(value: Any, *keys: str) -> Any:
    """value[k1][k2]…, or None where a step is missing or not an object."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _object(value: Any, where: str, message: str | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(message or f"{where} must be a JSON object", field=where or "body")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{where} is required: a non-empty string", field=where)
    return value


def _time(value: Any, where: str) -> None:
    try:
        dt.datetime.fromisoformat(_text(value, where))
    except ValueError:
        raise InvalidInput(f"{where} must be an ISO 8601 date and time; got {str(value)[:40]!r}", field=where) from None


def _facets(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    facets = _object(value, where)
    for key, facet in facets.items():
        _object(facet, f"{where}.{key}")
    return facets
