"""Runs: `stemma.init` starts one; it uses and logs artifacts while a heartbeat says it is alive, and ends
finished, or failed when the script raised."""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from stemma import queries
from stemma.api import default_entity
from stemma.artifacts import Artifact, RunInfo, log_artifact
from stemma.client import GraphQLClient
from stemma.errors import NotFound, StemmaError, UsageError
from stemma.heartbeat import Heartbeat
from stemma.history import History, Sender, Synced, read_history
from stemma.names import check_name, new_run_id, qualify
from stemma.records import RegistryLink
from stemma.settings import Settings

DEFAULT_PROJECT = "uncategorized"
MAX_TAGS = 100  # the server's limit
logger = logging.getLogger("stemma")
_current: Run | None = None
# W&B's resume values, by what each does here: continue if it exists, continue or fail, fail if it exists.
RESUME_MODES: dict[bool | str | None, str | None] = {
    None: None,
    False: None,
    True: "allow",
    "auto": "allow",
    "allow": "allow",
    "must": "must",
    "never": "never",
}
# W&B's reinit values, by whether a run already going is finished (else it is what init returns).
REINIT: dict[bool | str | None, bool] = {
    None: True,
    True: True,
    "default": True,
    "finish_previous": True,
    False: False,
    "return_previous": False,
}


class Run:
    """A live run: use it as a context manager, or call `finish()`; at interpreter exit it is finished for you."""

    def __init__(self, info: RunInfo, client: GraphQLClient) -> None:
        self._info = info
        self._client = client
        self._heartbeat = Heartbeat(client, info.path, client.settings.heartbeat_seconds)
        self._finished = False
        self._sender = Sender(client, info.path)
        self.config = Synced(info.config, self._sender.set_config, "config")
        """The run's config, as W&B's: set keys (`run.config.lr = 0.1`, `run.config.update({...})`) while the
        run goes on and they are kept on the server too."""
        self.summary = Synced(info.summary, self._sender.set_summary, "summary")
        """The last value logged for each key (or what `define_metric` asks for); keys set here are kept too."""
        self._history = History(
            self._sender, self.summary, next_step=0 if info.last_step is None else info.last_step + 1
        )

    def __repr__(self) -> str:
        return f"<Run {self.path} {self.name!r} {self._info.state}>"

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            self.finish(exit_code=exit_code_of(exc))
        except StemmaError as failure:
            if exc is None:
                raise
            # The block's own exception says more than a failure to report it; the sweep will end the run.
            logger.error("could not mark run %s as failed: %s", self.path, failure)

    @property
    def id(self) -> str:
        return self._info.id

    @property
    def path(self) -> str:
        """ENTITY/PROJECT/RUN_ID, the run's id on the server."""
        return self._info.path

    @property
    def name(self) -> str | None:
        return self._info.name

    @property
    def entity(self) -> str:
        return self._info.entity

    @property
    def project(self) -> str:
        return self._info.project

    @property
    def job_type(self) -> str | None:
        return self._info.job_type

    @property
    def group(self) -> str | None:
        """The runs this one belongs with (e.g. a sweep), as given to `init(group=...)`."""
        return self._info.group

    @property
    def tags(self) -> tuple[str, ...]:
        """Set them during the run (`run.tags = run.tags + ("best",)`) and the server keeps the new ones."""
        return self._info.tags

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        self._running("set tags")
        if isinstance(value, str) or not all(isinstance(tag, str) for tag in value):
            raise UsageError(f"tags must be a list of strings; got {value!r}", field="tags")
        if len(value) > MAX_TAGS:
            raise UsageError(f"a run has at most {MAX_TAGS} tags; got {len(value)}", field="tags")
        for tag in value:
            check_name(tag, "tags")
        self._info = replace(self._info, tags=tuple(value))
        self._sender.set_field("tags", list(value))

    @property
    def notes(self) -> str | None:
        """Set them during the run and the server keeps them."""
        return self._info.notes

    @notes.setter
    def notes(self, value: str) -> None:
        self._running("set notes")
        if not isinstance(value, str):
            raise UsageError(f"notes must be a string; got {value!r}", field="notes")
        self._info = replace(self._info, notes=value)
        self._sender.set_field("notes", value)

    @property
    def state(self) -> str:
        """running until finished; then finished or failed, as the server recorded it."""
        return self._info.state

    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Log values at the current step, as `wandb.log`: never waits on the network (a background thread
        sends rows in batches). With `commit=False` the values join the step's row and the step stays; with
        `step=N` values gather at step N until a later step is logged; an earlier step is ignored."""
        self._running("log")
        self._history.log(data, step=step, commit=commit)

    def define_metric(
        self, name: str, step_metric: str | None = None, summary: str | None = None, hidden: bool = False
    ) -> None:
        """How a key (or a glob such as `val/*`) is summarised: `summary` is min, max, mean, first, last or
        none, or several joined by commas; `step_metric` and `hidden` are kept for charts, as in W&B."""
        self._history.summarizer.define(name, step_metric=step_metric, summary=summary, hidden=hidden)

    def history(self, keys: Sequence[str] | None = None, samples: int | None = None) -> list[dict[str, Any]]:
        """The rows logged so far, from the server (what waits to be sent is sent first): each has `_step`,
        `_timestamp`, `_runtime` and the keys logged at that step; with `keys`, only rows holding one of them,
        with just those keys."""
        self._history.finish()
        if not self._sender.flush():
            raise StemmaError(f"run {self.path}'s log could not all be sent, so its history would be partial")
        return read_history(self._client, self.path, keys, samples)

    def use_artifact(
        self, artifact_or_name: Artifact | str, type: str | None = None, aliases: Sequence[str] | str | None = None
    ) -> Artifact:
        """Record a version as this run's input: `name`, `name:alias`, `name:vN`, a full reference or an Artifact.

        A name without a label means `:latest`; the alias is resolved now and remembered on the edge.
        `type` checks the version's type first; `aliases` are then pointed at the version."""
        self._running("use an artifact")
        if isinstance(artifact_or_name, Artifact):
            if artifact_or_name.is_draft():
                raise UsageError(
                    f"artifact {artifact_or_name.name!r} is a draft: log it from the run that produced it, then use it"
                )
            ref = artifact_or_name.ref
        else:
            ref = qualify(artifact_or_name, self.entity, self.project)
        if type is not None:
            found = self._client.execute(queries.ARTIFACT, {"ref": ref})["artifact"]
            if found["type"] != type:
                raise UsageError(f"{found['ref']} is a {found['type']}, not a {type}", field="type")
        data = self._client.execute(queries.USE_ARTIFACT, {"runId": self.path, "ref": ref})["useArtifact"]
        for alias in alias_list(aliases):
            data = {**data, **self._client.execute(queries.SET_ALIAS, {"ref": data["ref"], "alias": alias})["setAlias"]}
        return Artifact.from_server(data, self._client)

    def log_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: Sequence[str] | str | None = None,
    ) -> Artifact:
        """Upload an artifact's files the server lacks, then commit it as a version this run logged.

        A path (file or directory) becomes an artifact named after it (or `name`) of type `type`
        (default `unspecified`). Content the collection already holds is that version: no new version,
        nothing uploaded again, and this run is recorded as one more logger of it."""
        self._running("log an artifact")
        if isinstance(artifact_or_path, Artifact):
            if name is not None or type is not None:
                raise UsageError("name and type belong to the Artifact; pass them only with a path")
            artifact = artifact_or_path
        else:
            artifact = artifact_from_path(Path(artifact_or_path), name, type or "unspecified")
        report = log_artifact(self._client, self.path, artifact, alias_list(aliases))
        logger.info(
            "logged %s: %d file(s) uploaded (%d bytes), %d already stored",
            artifact.ref,
            report.uploaded,
            report.bytes,
            report.skipped,
        )
        return artifact

    def link_artifact(
        self, artifact: Artifact | str, target_path: str, aliases: Sequence[str] | str | None = None
    ) -> RegistryLink:
        """Link a version into a registry collection: ENTITY/registry-REGISTRY/COLLECTION, W&B's
        ENTITY/wandb-registry-REGISTRY/COLLECTION, or either without ENTITY for the run's entity (every entity has
        the registries `model` and `dataset`); a draft is logged first."""
        if isinstance(artifact, Artifact):
            if artifact.is_draft():
                self.log_artifact(artifact)
            ref = artifact.ref
        else:
            ref = qualify(artifact, self.entity, self.project)
        target = f"{self.entity}/{target_path}" if target_path.count("/") == 1 else target_path
        variables = {"ref": ref, "target": target, "aliases": alias_list(aliases)}
        return RegistryLink.from_server(self._client.execute(queries.LINK_ARTIFACT, variables)["linkArtifact"])

    def start(self) -> None:
        """Begin heartbeats and make sure the run ends when the interpreter does."""
        self._heartbeat.start()
        self._sender.start()
        atexit.register(self._finish_at_exit)

    def finish(self, exit_code: int | None = None) -> None:
        """End the run: failed for a non-zero exit code, finished otherwise; a second call does nothing."""
        global _current
        if self._finished:
            return
        self._finished = True
        self._history.finish()
        if not self._sender.stop():
            logger.error("run %s: some of what it logged could not be sent to the server", self.path)
        self._heartbeat.stop()
        atexit.unregister(self._finish_at_exit)
        if _current is self:
            _current = None
        state = "FAILED" if exit_code else "FINISHED"
        data = self._client.execute(queries.FINISH_RUN, {"id": self.path, "state": state})
        self._info = RunInfo.from_server(data["finishRun"], self._client)

    def _finish_at_exit(self) -> None:
        # The interpreter records an uncaught exception in sys.last_value before running atexit hooks.
        try:
            self.finish(exit_code=1 if getattr(sys, "last_value", None) is not None else 0)
        except StemmaError as failure:
            logger.error("could not end run %s at exit: %s", self.path, failure)

    def _running(self, action: str) -> None:
        if self._finished:
            raise UsageError(f"run {self.path} has finished; start a new run to {action}")


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    job_type: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    notes: str | None = None,
    id: str | None = None,
    *,
    group: str | None = None,
    resume: bool | str | None = None,
    reinit: bool | str | None = None,
    mode: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    save_code: bool | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
) -> Run:
    """Start a run, as `wandb.init`: the entity and project come from arguments, STEMMA_ENTITY/STEMMA_PROJECT
    or the config file; a run already started in this process is finished first. `group` puts the run with
    others that belong together (W&B's `group`, e.g. a sweep id): lineage clusters a group's runs together.

    `resume` with `id`, as W&B's: "allow" (or True, "auto") continues that run if it exists, ended or not,
    else starts it; "must" continues it or raises; "never" raises if it exists. A continued run keeps its
    config (`config` given here is set over it), summary and history, and logs after its last step.

    W&B's `reinit`: a run started before in this process is finished first (True, "default",
    "finish_previous"), or returned as it is (False, "return_previous"); one run at a time, so "create_new"
    is refused. `mode` may only be "online"; `dir` and `save_code` are taken and change nothing (Stemma keeps
    no local run folder and does not save code)."""
    if not isinstance(resume, (bool, str, type(None))) or resume not in RESUME_MODES:
        raise UsageError(f"resume must be one of {', '.join(map(repr, RESUME_MODES))}; got {resume!r}", field="resume")
    if mode not in (None, "online"):
        raise UsageError(f"mode {mode!r} is not supported: Stemma runs log to the server (mode='online')", field="mode")
    if not isinstance(reinit, (bool, str, type(None))) or reinit not in REINIT:
        raise UsageError(f"reinit must be one of {', '.join(map(repr, REINIT))}; got {reinit!r}", field="reinit")
    resuming = RESUME_MODES[resume]
    if resuming == "must" and id is None:
        raise UsageError("resume='must' needs the id of the run to continue", field="id")
    if _current is not None:
        if not REINIT[reinit]:
            return _current
        _current.finish()
    settings = Settings.resolve(base_url=base_url, api_key=api_key, entity=entity, project=project)
    client = GraphQLClient(settings)
    if not settings.entity:
        try:
            settings = replace(settings, entity=default_entity(client))
        except BaseException:
            client.close()
            raise
        if not settings.entity:
            client.close()
            raise UsageError(
                "an entity is required: pass entity=, set STEMMA_ENTITY or put entity in the config file (the "
                "key's user has no default entity: no entity is named like them and they belong to more than one "
                "or none)"
            )
        client.settings = settings
    run_input = {
        "entity": settings.entity,
        "project": settings.project or DEFAULT_PROJECT,
        "runId": id or new_run_id(),
        "name": name,
        "jobType": job_type,
        "group": group,
        "config": dict(config or {}),
        "tags": list(tags or []),
        "notes": notes,
    }
    try:
        resumed = _resume(client, run_input, resuming) if id is not None and resuming is not None else None
        created = None if resumed else client.execute(queries.CREATE_RUN, {"input": run_input})["createRun"]
    except BaseException:
        client.close()
        raise
    run = Run(resumed or RunInfo.from_server(created or {}, client), client)
    if resumed is not None:  # what this init says is set over what the run had
        run.config.update(dict(config or {}))
        if tags is not None:
            run.tags = tuple(tags)
        if notes is not None:
            run.notes = notes
    return _begin(run)


def _path(run_input: Mapping[str, Any]) -> str:
    return f"{run_input['entity']}/{run_input['project']}/{run_input['runId']}"


def _resume(client: GraphQLClient, run_input: Mapping[str, Any], mode: str) -> RunInfo | None:
    """The run `run_input` names, continued as `mode` says; None when it is to be started."""
    path = _path(run_input)
    if mode == "never":
        try:
            client.execute(queries.RUN, {"id": path})
        except NotFound:
            return None
        raise UsageError(f"run {path} exists and resume='never' will not continue it", field="id")
    try:
        before = RunInfo.from_server(client.execute(queries.RUN, {"id": path})["run"], client)
        info = RunInfo.from_server(client.execute(queries.RESUME_RUN, {"id": path})["resumeRun"], client)
    except NotFound:
        if mode == "must":
            raise UsageError(f"resume='must': there is no run {path} to continue", field="id") from None
        return None
    if before.state == "running":
        logger.warning(
            "run %s was still running (last heartbeat %s); if that process is alive, its later steps and these "
            "will collide and the server keeps only the first",
            path,
            before.heartbeat_at,
        )
    return info


def _begin(run: Run) -> Run:
    global _current
    run.start()
    _current = run
    return run


def current() -> Run | None:
    """The run `init` started in this process, until it finishes."""
    return _current


def finish(exit_code: int | None = None) -> None:
    """Finish the current run, if any."""
    if _current is not None:
        _current.finish(exit_code)


def log(data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """Log values on the current run, as `wandb.log`."""
    _needs_run("log").log(data, step=step, commit=commit)


def define_metric(name: str, step_metric: str | None = None, summary: str | None = None, hidden: bool = False) -> None:
    """How the current run summarises a key, as `wandb.define_metric`."""
    _needs_run("define_metric").define_metric(name, step_metric=step_metric, summary=summary, hidden=hidden)


def _needs_run(action: str) -> Run:
    if _current is None:
        raise UsageError(f"stemma.{action} needs a run: call stemma.init() first")
    return _current


def exit_code_of(exc: BaseException | None) -> int:
    if exc is None:
        return 0
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 1


def alias_list(aliases: Sequence[str] | str | None) -> list[str]:
    """Aliases to point at a version. `latest` is taken and left out, as W&B scripts pass it (its own default
    for `aliases` is `["latest"]`): the server points it at the newest version by itself."""
    if aliases is None:
        return []
    return [alias for alias in ([aliases] if isinstance(aliases, str) else aliases) if alias != "latest"]


def artifact_from_path(path: Path, name: str | None, type: str) -> Artifact:
    """An artifact holding one file or a directory's files, named after the path unless `name` is given."""
    artifact = Artifact(name or re.sub(r"[^A-Za-z0-9_.\-]", "-", path.resolve().name)[:128], type)
    if path.is_dir():
        artifact.add_dir(path)
    else:
        artifact.add_file(path)
    return artifact
