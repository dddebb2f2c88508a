"""W&B runs (buckets) onto Stemma's runs: the names, the config's shape and the file stream's records.

W&B calls a run a bucket, its id its `name` and its display name `displayName`; its project is a `model`.
Its config is sent as `{"KEY": {"value": V}}` with the client's own bookkeeping under `_wandb`, and what the
run logs arrives through the file stream: `wandb-history.jsonl` rows (each with `_step`) and the whole
`wandb-summary.json` each time it changes.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from strawberry import ID

from cypher.batch import RunInput, create_run
from cypher.errors import InvalidInput
from cypher.jsonvalues import check_json
from cypher.refs import check_name, check_project
from cypher.writes import Writer
from schema.inputs import LogRunInput, check_run_log, check_tags, check_text
from schema.scalars import JSON

if TYPE_CHECKING:
    from server.wandb_compat.inputs import UpsertBucketInput

DEFAULT_PROJECT = "uncategorized"  # W&B's project for runs that name none
CLIENT_KEYS = "_wandb"  # the client's own bookkeeping in config and summary (versions, telemetry)
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_.\-]+")


def parsed_object(text: str | None, field: str) -> dict[str, Any]:
    """A JSONString argument holding an object (null or empty: an empty one)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput(f"{field} is not JSON", field=field) from None
    check_json(value, field, within=field)  # finite numbers, Unicode text, bounded depth: as Stemma's JSON
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must hold a JSON object; got {type(value).__name__}", field=field)
    return value


def config_values(config: dict[str, Any]) -> dict[str, Any]:
    """The run's config as Stemma keeps it: each key's value, without the client's bookkeeping."""
    return {
        key: item["value"] if isinstance(item, dict) and "value" in item else item
        for key, item in config.items()
        if key != CLIENT_KEYS
    }


def summary_values(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary.items() if key != CLIENT_KEYS}


def display_name(text: str | None) -> str | None:
    """A W&B display name ("my run 3") as a Stemma name ("my-run-3"): names hold letters, digits, -, _, ."""
    if not text:
        return None
    name = _NOT_IN_NAMES.sub("-", text).strip("-")[:128]
    return name or None


class Bucket:
    """One upsertBucket call, checked: the run it names and what it sets."""

    def __init__(self, entity: str, given: UpsertBucketInput) -> None:
        self.entity = check_name(entity, "input.entityName")
        self.project = check_project(given.model_name or DEFAULT_PROJECT, "input.modelName")
        if not given.name:
            raise InvalidInput("input.name: the run's id is required (the client always sends one)", field="input.name")
        self.run_id = check_name(given.name, "input.name")
        self.config = config_values(parsed_object(given.config, "input.config"))
        self.summary = summary_values(parsed_object(given.summary_metrics, "input.summaryMetrics"))
        self.tags = check_tags(given.tags, "input.tags") if given.tags is not None else None
        self.notes = check_text(given.notes, "input.notes")
        self.name = display_name(given.display_name)
        self.group = display_name(given.group_name)
        self.job_type = display_name(given.job_type)
        # What a later call sets on the run (W&B sends config and summary again when they change).
        self.log = check_run_log(
            LogRunInput(
                id=ID(self.key),
                config=JSON(self.config),
                summary=JSON(self.summary),
                tags=self.tags,
                notes=self.notes,
            )
        )

    @property
    def key(self) -> str:
        return f"{self.entity}/{self.project}/{self.run_id}"

    async def write(self, writer: Writer) -> dict[str, Any]:
        """Create the run on the first call (repeating that changes nothing), then set what this call says;
        returns the run as stored, and whether this call made it."""
        writer.member_of(self.entity, "input.entityName")
        existed = bool(await writer.run("run_data", id=self.key))
        if not existed:
            run = RunInput(
                entity=self.entity,
                project=self.project,
                run_id=self.run_id,
                name=self.name or self.run_id,
                job_type=self.job_type,
                group=self.group,
                config=self.config,
                tags=self.tags or [],
                notes=self.notes,
                where="input",
            )
            await create_run(writer, run)
        if existed or self.summary:
            await writer.log_run(self.key, self.log)
        rows = await writer.run("run_data", id=self.key)
        return {"existed": existed, **rows[0]}
