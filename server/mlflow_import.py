"""`stemma import mlflow`: an MLflow experiment, read with MLflow's own client, becomes a project's bundle, which
then takes the one way in that `stemma import` takes (server/bundle_files.send_bundle): checked whole, written in
one transaction, idempotent.

The mapping (README, "Importing from MLflow"):

- each run of the experiment is a run: params are its config (text, as MLflow keeps them), the last value of
  each metric its summary, every metric's steps its history; the parent run (`mlflow.parentRunId`) its group;
  MLflow's ids, name and tags are kept under `config._mlflow`;
- each dataset a run took in (`mlflow.log_input`) is a version of a `dataset` collection named after it, one per
  MLflow digest, in the order runs first used them; its content is one file, `dataset.json` (the dataset's name,
  digest, source, schema and profile), since MLflow keeps a dataset's description, not its data; the run used it;
- each logged model (MLflow 3) is a version of a `model` collection named after it, holding the model's files;
  its source run logged it, and runs that took it in (`model_inputs`) used it; two logged models with the same
  files are one version, as any identical content is;
- each version of a registered model whose model came from this experiment is linked into the registry
  (`model` unless told otherwise) under the registered model's name, with MLflow's version number and aliases.
  A version registered from a run's folder (`runs:/ID/PATH`) is a version of a collection named after the
  registered model, logged by that run.

The bundle is the same however often it is read from an unchanged store (versions and files in a fixed order,
times from MLflow), so importing again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stemma.errors import StemmaError
from stemma.files import LocalFile, hash_file

from cypher.bundle import FORMAT, FORMAT_VERSION
from cypher.manifest import Manifest, ManifestEntry
from cypher.refs import MAX_NAME
from cypher.writes import MAX_HISTORY_BYTES, MAX_OBJECT_BYTES

RUN_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "crashed", "RUNNING": "running"}
_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_VERSION_LIKE = re.compile(r"v[0-9]+")
_MODEL_SOURCE = re.compile(r"models:/(?P<id>m-[0-9a-f]+)/?")
_RUN_SOURCE = re.compile(r"runs:/(?P<run>[0-9a-f]+)/(?P<path>.*)")


@dataclass
class Converted:
    """A project's bundle, the files its versions hold, and what the mapping left out, for the user to read."""

    bundle: dict[str, Any]
    files: list[LocalFile]
    notes: list[str] = field(default_factory=list)


def read_experiment(
    tracking_uri: str, experiment: str, entity: str, project: str | None, registry: str, folder: Path
) -> Converted:
    """The bundle of `experiment` in the tracking store at `tracking_uri`, for the project `project` (the
    experiment's name made a Stemma name when None) of `entity`; model files are downloaded under `folder`."""
    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri.removeprefix("sqlite:///")).is_file():
        raise StemmaError(f"--tracking-uri: no MLflow store at {tracking_uri}")  # MLflow would make an empty one
    mlflow = _mlflow()
    from mlflow.exceptions import MlflowException

    try:
        mlflow.set_tracking_uri(tracking_uri)  # the folder store's registry and models:/ downloads read this one
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        found = client.get_experiment_by_name(experiment)
        if found is None:
            raise StemmaError(f"--experiment: the MLflow store at {tracking_uri} has no experiment {experiment!r}")
        reader = _Reader(mlflow, client, entity, project or name_of(experiment, "mlflow"), registry, folder)
        return reader.read(found)
    except MlflowException as exc:
        raise StemmaError(f"--tracking-uri {tracking_uri}: MLflow says: {exc.message}") from exc


def name_of(text: str, fallback: str) -> str:
    """`text` as a Stemma name: letters, digits, `-`, `_` and `.`, every other run of characters one `-`."""
    named = _NOT_NAME.sub("-", text).strip("-")[:MAX_NAME]
    return named or fallback


def _mlflow() -> Any:
    # Nothing leaves the machine; a folder store is read as it is, though MLflow 3 only reads it when told.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")  # a tracking server that is down says so soon
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    try:
        import mlflow
    except ImportError as exc:
        raise StemmaError(
            "stemma import mlflow reads the store with MLflow's client: pip install -e '.[mlflow]'"
        ) from exc
    return mlflow


def _pages(call: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = call(page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


def _time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


def _value(number: float) -> float | str:
    """A metric as JSON holds it: NaN and the infinities as text."""
    return number if math.isfinite(number) else str(number)


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass
class _Collection:
    name: str
    type: str
    versions: list[dict[str, Any]] = field(default_factory=list)
    by_digest: dict[str, int] = field(default_factory=dict)

    def add(self, files: list[ManifestEntry], metadata: dict[str, Any], created: int) -> int:
        """The version holding `files` (its number), added after the others if new."""
        manifest = Manifest(tuple(sorted(files, key=lambda entry: entry.path)))
        if manifest.digest in self.by_digest:
            return self.by_digest[manifest.digest]
        number = self.by_digest[manifest.digest] = len(self.versions)
        self.versions.append(
            {
                "version": number,
                "digest": manifest.digest,
                "files": [{"path": e.path, "digest": e.digest, "size": e.size} for e in manifest.entries],
                "state": "committed",
                "aliases": [],
                "tags": [],
                "metadata": metadata,
                "createdAt": _time(created),
            }
        )
        return number

    def out(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "tags": [],
            "createdAt": self.versions[0]["createdAt"],
            "versions": self.versions,
        }


class _Reader:
    def __init__(self, mlflow: Any, client: Any, entity: str, project: str, registry: str, folder: Path) -> None:
        self.mlflow, self.client = mlflow, client
        self.entity, self.project, self.registry, self.folder = entity, project, registry, folder
        self.collections: dict[tuple[str, str], _Collection] = {}
        self.files: dict[str, LocalFile] = {}
        self.edges: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.runs: dict[str, Any] = {}
        self.models: dict[str, tuple[str, int]] = {}  # MLflow model id -> (collection, version)

    def read(self, experiment: Any) -> Converted:
        from mlflow.entities import ViewType

        found = _pages(
            self.client.search_runs,
            experiment_ids=[experiment.experiment_id],
            run_view_type=ViewType.ACTIVE_ONLY,
            order_by=["attributes.start_time ASC"],
        )
        self.runs = {run.info.run_id: run for run in found}
        runs = [self._run(run, experiment.name) for run in self.runs.values()]
        for run in self.runs.values():
            for taken in run.inputs.dataset_inputs if run.inputs else []:
                self._dataset(run, taken)
        models = _pages(self.client.search_logged_models, experiment_ids=[experiment.experiment_id])
        for model in sorted(models, key=lambda m: (m.creation_timestamp, m.model_id)):
            self._logged_model(model)
        for run in self.runs.values():
            whole = self.client.get_run(run.info.run_id)  # search_runs leaves out the models a run took in
            for taken in whole.inputs.model_inputs if whole.inputs else []:
                self._model_input(run, taken.model_id)
        registries = [
            collection
            for model in _pages(self.client.search_registered_models)
            if (collection := self._registered(model)) is not None
        ]
        bundle = {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "entity": self.entity,
            "project": self.project,
            "runs": runs,
            "collections": [collection.out() for collection in self.collections.values()],
            "edges": self.edges,
            "registries": registries,
        }
        return Converted(bundle, list(self.files.values()), self.notes)

    def _run(self, run: Any, experiment: str) -> dict[str, Any]:
        info, data = run.info, run.data
        state = RUN_STATES.get(info.status, "running")
        parent = data.tags.get("mlflow.parentRunId")
        mlflow_facts = {"runId": info.run_id, "experiment": experiment, "runName": info.run_name, "tags": data.tags}
        return {
            "runId": info.run_id,
            "name": name_of(info.run_name or info.run_id, info.run_id),
            "group": parent,
            "config": {**data.params, "_mlflow": mlflow_facts},
            "summary": {key: _value(value) for key, value in data.metrics.items()},
            "history": self._history(info.run_id, list(data.metrics)),
            "tags": [],
            "state": state,
            "user": _user(info.user_id),
            "createdAt": _time(info.start_time),
            "finishedAt": _time(info.end_time) if info.end_time and state != "running" else None,
        }

    def _history(self, run_id: str, keys: list[str]) -> list[dict[str, Any]]:
        """Every step of every metric as rows by step (a step logged twice keeps its last value), in one chunk
        of at most the history a run may hold."""
        rows: dict[int, dict[str, Any]] = {}
        last = 0
        for key in keys:
            for metric in sorted(self.client.get_metric_history(run_id, key), key=lambda m: (m.step, m.timestamp)):
                if metric.step >= 0:
                    rows.setdefault(metric.step, {"_step": metric.step})[key] = _value(metric.value)
                    last = max(last, metric.timestamp)
        kept: list[dict[str, Any]] = []
        size = 0
        for step in sorted(rows):
            size += len(json.dumps(rows[step])) + 2
            if size > MAX_HISTORY_BYTES:
                self.notes.append(f"run {run_id}: history kept up to step {kept[-1]['_step']}, all a run may hold")
                break
            kept.append(rows[step])
        if not kept:
            return []
        return [{"firstStep": kept[0]["_step"], "lastStep": kept[-1]["_step"], "rows": kept, "at": _time(last)}]

    def _collection(self, name: str, type_: str) -> _Collection:
        """The collection called `name` (or `name-TYPE`, when a collection of another type has the name)."""
        named = name if all(c.name != name or c.type == type_ for c in self.collections.values()) else f"{name}-{type_}"
        return self.collections.setdefault((named, type_), _Collection(named, type_))

    def _ref(self, collection: _Collection, number: int) -> str:
        return f"{self.entity}/{self.project}/{collection.name}:v{number}"

    def _stored(self, path: str, content: bytes) -> ManifestEntry:
        digest = hashlib.sha256(content).hexdigest()
        if digest not in self.files:
            local = self.folder / "content" / digest
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(content)
            self.files[digest] = LocalFile(path=digest, local_path=local, digest=digest, size=len(content))
        return ManifestEntry(path, digest, len(content))

    def _dataset(self, run: Any, taken: Any) -> None:
        dataset = taken.dataset
        described = {
            "name": dataset.name,
            "digest": dataset.digest,
            "sourceType": dataset.source_type,
            "source": _json(dataset.source),
            "schema": _json(dataset.schema),
            "profile": _json(dataset.profile),
        }
        content = json.dumps(described, sort_keys=True, indent=1).encode()
        collection = self._collection(name_of(dataset.name, "dataset"), "dataset")
        metadata = {"mlflow": described}
        if len(json.dumps(metadata)) > MAX_OBJECT_BYTES // 2:  # a wide schema stays in dataset.json only
            metadata = {"mlflow": {key: described[key] for key in ("name", "digest", "sourceType", "source")}}
        number = collection.add([self._stored("dataset.json", content)], metadata, run.info.start_time)
        self._edge("used", run.info.run_id, self._ref(collection, number), run.info.start_time)

    def _logged_model(self, model: Any) -> None:
        entries = self._download(model.artifact_location, self.folder / "models" / model.model_id)
        if not entries:
            self.notes.append(f"logged model {model.model_id} ({model.name}) holds no files: left out")
            return
        metadata = {
            "mlflow": {
                "modelId": model.model_id,
                "name": model.name,
                "modelType": model.model_type,
                "params": model.params,
                "metrics": [
                    {"key": m.key, "value": _value(m.value), "step": m.step, "runId": m.run_id}
                    for m in model.metrics or []
                ],
                "tags": model.tags,
            }
        }
        collection = self._collection(name_of(model.name, "model"), "model")
        number = collection.add(entries, metadata, model.creation_timestamp)
        self.models[model.model_id] = (collection.name, number)
        if model.source_run_id in self.runs:
            self._edge("logged", model.source_run_id, self._ref(collection, number), model.creation_timestamp)

    def _model_input(self, run: Any, model_id: str) -> None:
        if model_id not in self.models:
            self.notes.append(f"run {run.info.run_id} took in model {model_id}, which is not of this experiment")
            return
        name, number = self.models[model_id]
        ref = f"{self.entity}/{self.project}/{name}:v{number}"
        if not any(e["kind"] == "logged" and e["run"] == run.info.run_id and e["artifact"] == ref for e in self.edges):
            self._edge("used", run.info.run_id, ref, run.info.start_time)  # MLflow's folder store lists outputs too

    def _download(self, uri: str, target: Path) -> list[ManifestEntry]:
        """The files at `uri` (a folder's, named from inside it; a single file by its name), downloaded."""
        root = Path(self.mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(target)))
        found = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        entries = []
        for path in found:
            digest, size = hash_file(path)
            self.files.setdefault(digest, LocalFile(path=digest, local_path=path, digest=digest, size=size))
            entries.append(
                ManifestEntry(path.name if path == root else path.relative_to(root).as_posix(), digest, size)
            )
        return entries

    def _edge(self, kind: str, run_id: str, ref: str, at: int) -> None:
        edge = {"kind": kind, "run": run_id, "artifact": ref, "at": _time(at), "created": kind == "logged"}
        if not any(e["kind"] == kind and e["run"] == run_id and e["artifact"] == ref for e in self.edges):
            self.edges.append(edge)

    def _registered(self, model: Any) -> dict[str, Any] | None:
        """The registry collection of a registered model: its versions whose model came from this experiment."""
        versions = sorted(
            _pages(self.client.search_model_versions, filter_string=f"name='{_quoted(model.name)}'"),
            key=lambda v: int(v.version),
        )
        aliases: dict[int, list[str]] = {}
        for alias, number in self.client.get_registered_model(model.name).aliases.items():
            if _VERSION_LIKE.fullmatch(alias) or name_of(alias, "") != alias or alias == "latest":
                self.notes.append(f"registered model {model.name}: alias {alias!r} is not a Stemma alias; left out")
            else:
                aliases.setdefault(int(number), []).append(alias)
        links: dict[str, dict[str, Any]] = {}  # by the version linked
        for version in versions:
            found = self._registered_version(model.name, version)
            if found is None:
                continue
            number = int(version.version)
            named = aliases.get(number, [])
            if found in links:  # the same content registered again: one link, with both versions' aliases
                links[found]["aliases"] = sorted({*links[found]["aliases"], *named})
                self.notes.append(
                    f"registered model {model.name}: version {number} holds the same model as version "
                    f"{links[found]['version']}; Stemma links it once, as v{links[found]['version']}"
                )
                continue
            links[found] = {
                "artifact": found,
                "version": number,
                "linkedAt": _time(version.creation_timestamp),
                "linkedBy": _user(version.user_id),
                "aliases": sorted(named),
            }
        if not links:
            return None
        return {
            "registry": self.registry,
            "name": name_of(model.name, "model"),
            "type": "model",
            "description": model.description or None,
            "tags": [],
            "createdAt": _time(model.creation_timestamp),
            "nextVersion": max(link["version"] for link in links.values()) + 1,
            "links": list(links.values()),
        }

    def _registered_version(self, name: str, version: Any) -> str | None:
        """`NAME:vN` of the version a registered model's version holds, None when it is not of this experiment."""
        source = version.source or ""
        by_model = _MODEL_SOURCE.fullmatch(source)
        model_id = version.model_id or (by_model.group("id") if by_model else None)
        if model_id is not None:
            if model_id not in self.models:
                return None
            held, number = self.models[model_id]
            return f"{held}:v{number}"
        by_run = _RUN_SOURCE.fullmatch(source)
        run_id = by_run.group("run") if by_run else version.run_id
        if run_id not in self.runs:
            return None
        entries = self._download(source, self.folder / "registered" / name_of(name, "model") / str(version.version))
        if not entries:
            self.notes.append(f"registered model {name} version {version.version} holds no files: left out")
            return None
        collection = self._collection(name_of(name, "model"), "model")
        metadata = {"mlflow": {"registeredModel": name, "version": int(version.version), "source": source}}
        number = collection.add(entries, metadata, version.creation_timestamp)
        self._edge("logged", run_id, self._ref(collection, number), version.creation_timestamp)
        return f"{collection.name}:v{number}"


def _user(name: str | None) -> str | None:
    return name_of(name, "") or None if name else None


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")
