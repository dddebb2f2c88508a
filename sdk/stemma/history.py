"""What a run logs besides artifacts, as W&B keeps it: a live config, per-step history rows and a summary.

`run.log` never waits on the network: rows, config and summary changes queue in memory and a daemon thread
sends them (`logRun`) every few seconds, or sooner when many rows wait, in batches the server accepts. A
batch that fails for want of the server is kept and sent again (the server keeps a batch sent twice once);
one the server refuses is dropped with an error in the log, so one bad value cannot hold back the rest.
Finishing the run, also at interpreter exit after a crash, sends what is left before the run ends.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stemma import queries
from stemma.client import GraphQLClient
from stemma.errors import StemmaError, UsageError

logger = logging.getLogger("stemma")

SEND_SECONDS = 2.0
BATCH_ROWS = 500  # rows per logRun: a batch is sent as soon as this many wait
BATCH_BYTES = 512 * 1024  # half the server's default request limit (1 MiB), leaving room for the rest
MAX_WAITING_ROWS = 100_000  # rows kept while the server cannot be reached; later ones are dropped, with a warning
MAX_ROW_BYTES = 64 * 1024  # the server's cap on one JSON object (a history row, the config, the summary)
MAX_STEP = 2**63 - 1
HISTORY_PAGE_ROWS = 10_000  # rows asked for per runHistory request, the server's most
SUMMARIES = ("min", "max", "mean", "first", "last", "none")
# Answers that sending again would only repeat: the batch (or its refused part) is dropped.
REFUSED = {"BAD_USER_INPUT", "CONFLICT", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED", "PAYLOAD_TOO_LARGE"}


def jsonable(value: Any, key: str) -> Any:
    """A logged value as JSON keeps it: numbers, strings, booleans, None, lists and dicts of them; numpy and
    torch scalars and arrays through `.item()` / `.tolist()`; NaN and infinities as the strings JSON lacks."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, f"{key}[{i}]") for i, v in enumerate(value)]
    for method in ("item", "tolist"):
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return jsonable(convert(), key)
            except (TypeError, ValueError):
                continue
    raise UsageError(
        f"{key}: a {type(value).__name__} cannot be logged; log numbers, strings, booleans, lists or dicts",
        field=key,
    )


class Synced(dict[str, Any]):
    """A dict whose every change is also reported to `changed`, as W&B's config and summary are sent as they
    change; keys read and set as attributes too (`run.config.lr`). It stays a dict for everything else:
    `json.dumps`, `yaml.safe_dump`, and copies and pickles, which are plain dicts."""

    def __init__(self, values: Mapping[str, Any], changed: Callable[[dict[str, Any]], None], what: str) -> None:
        super().__init__(values)
        object.__setattr__(self, "_changed", changed)
        object.__setattr__(self, "_what", what)
        object.__setattr__(self, "_lock", threading.Lock())

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"{self._what} has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.update({key: default})
        return self[key]

    def update(self, values: Mapping[str, Any] | None = None, /, allow_val_change: bool = True, **more: Any) -> None:  # type: ignore[override]
        """Set several keys at once (one message to the server); `allow_val_change` is accepted as W&B's is."""
        changed = {str(k): jsonable(v, f"{self._what}.{k}") for k, v in {**(values or {}), **more}.items()}
        size = len(json.dumps({**self, **changed}))
        if size > MAX_ROW_BYTES:
            raise UsageError(
                f"{self._what} would be {size:,} bytes as JSON; the server keeps at most {MAX_ROW_BYTES:,}",
                field=self._what,
            )
        with self._lock:
            super().update(changed)
            if changed:
                self._changed(changed)

    def _refuse(self, *_: Any) -> Any:
        raise UsageError(f"{self._what} keys cannot be removed; set one to None instead")

    __delitem__ = pop = popitem = clear = _refuse

    def __ior__(self, values: Any) -> Synced:  # type: ignore[override,misc]
        self.update(values)
        return self

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        return dict, (dict(self),)

    def as_dict(self) -> dict[str, Any]:
        return dict(self)


@dataclass
class Metric:
    """`define_metric`: how a key's history becomes its summary, and which key is its x axis."""

    pattern: str
    summary: tuple[str, ...] = ()
    step_metric: str | None = None
    hidden: bool = False


@dataclass
class _Tally:
    first: Any = None
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    last: Any = None


@dataclass
class Summarizer:
    """The summary values history rows imply: by default the last value of each key; `define_metric` may ask
    for min, max, mean, first, last (several at once) or none, which W&B keeps as `{key: {"min": …}}`."""

    metrics: list[Metric] = field(default_factory=list)
    tallies: dict[str, _Tally] = field(default_factory=dict)

    def define(
        self, name: str, step_metric: str | None = None, summary: str | None = None, hidden: bool = False
    ) -> Metric:
        kinds = tuple(part.strip() for part in summary.split(",")) if summary else ()
        unknown = [kind for kind in kinds if kind not in SUMMARIES]
        if unknown:
            raise UsageError(f"summary must be among {', '.join(SUMMARIES)}; got {', '.join(unknown)}", field="summary")
        metric = Metric(name, kinds, step_metric, hidden)
        self.metrics.insert(0, metric)  # a later definition wins over an earlier one for the same key
        return metric

    def metric(self, key: str) -> Metric | None:
        return next((m for m in self.metrics if fnmatch.fnmatchcase(key, m.pattern)), None)

    def after(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Summary keys to set once `row` is in the history."""
        changed: dict[str, Any] = {}
        for key, value in row.items():
            if key.startswith("_"):
                continue
            metric = self.metric(key)
            kinds = metric.summary if metric and metric.summary else ("last",)
            if kinds == ("none",):
                continue
            tally = self.tallies.setdefault(key, _Tally())
            tally.count += 1
            tally.first = value if tally.count == 1 else tally.first
            tally.last = value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                tally.total += value
                tally.low, tally.high = min(tally.low, value), max(tally.high, value)
            changed[key] = value if kinds == ("last",) else self._values(tally, kinds)
        return changed

    @staticmethod
    def _values(tally: _Tally, kinds: tuple[str, ...]) -> dict[str, Any]:
        numeric = math.isfinite(tally.low)
        values = {
            "min": tally.low if numeric else None,
            "max": tally.high if numeric else None,
            "mean": tally.total / tally.count if numeric else None,
            "first": tally.first,
            "last": tally.last,
        }
        return {kind: values[kind] for kind in kinds if kind != "none"}


class Sender:
    """Sends a run's history rows, config and summary changes from a daemon thread (see the module's doc)."""

    def __init__(self, client: GraphQLClient, run_path: str, interval: float = SEND_SECONDS) -> None:
        self.client = client
        self.run_path = run_path
        self.interval = interval
        self._lock = threading.Lock()  # guards what waits
        self._sending = threading.Lock()  # one batch at a time, in order
        self._rows: list[dict[str, Any]] = []
        self._inflight: dict[str, Any] | None = None  # the batch being sent, resent unchanged until answered
        self._dropped = False
        self._config: dict[str, Any] = {}
        self._summary: dict[str, Any] = {}
        self._fields: dict[str, Any] = {}  # run fields the next batch replaces: tags, notes
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"stemma-sender {run_path}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add_row(self, row: dict[str, Any]) -> None:
        with self._lock:
            if len(self._rows) >= MAX_WAITING_ROWS:
                if not self._dropped:
                    logger.error(
                        "run %s: %d rows wait for the server; later rows are dropped", self.run_path, len(self._rows)
                    )
                    self._dropped = True
                return
            self._rows.append(row)
            if len(self._rows) >= BATCH_ROWS:
                self._wake.set()

    def set_config(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._config.update(values)

    def set_summary(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._summary.update(values)

    def set_field(self, name: str, value: Any) -> None:
        """A run field (`tags`, `notes`) the next batch replaces on the server."""
        with self._lock:
            self._fields[name] = value

    def flush(self) -> bool:
        """Send everything waiting now, retrying as any request does; False when some of it could not be sent
        (it still waits)."""
        return self._send_waiting(retry_seconds=None)

    def stop(self) -> bool:
        """Stop the thread, then send what is left; False when some of it could not be sent."""
        self._stopped.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 30)
        return self._send_waiting(retry_seconds=None)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if not self._stopped.is_set():
                self._send_waiting(retry_seconds=0)  # what fails waits for the next round

    def _take(self) -> dict[str, Any] | None:
        """The next batch: rows up to BATCH_ROWS and BATCH_BYTES (at least one row), and every config and
        summary change, and the run fields set; what is taken no longer waits. None when nothing waits."""
        with self._lock:
            size, count = 0, 0
            for row in self._rows[:BATCH_ROWS]:
                size += len(json.dumps(row))
                if count and size > BATCH_BYTES:
                    break
                count += 1
            rows, self._rows = self._rows[:count], self._rows[count:]
            config, self._config = self._config, {}
            summary, self._summary = self._summary, {}
            fields, self._fields = self._fields, {}
        batch = {"id": self.run_path, "history": rows, "config": config or None, "summary": summary or None, **fields}
        return batch if _holds_anything(batch) else None

    def _send_waiting(self, retry_seconds: float | None) -> bool:
        """Send batches until nothing waits. A batch is sent unchanged until the server keeps or refuses it, so
        a batch the server kept but whose answer was lost is recognised when sent again; a refused part
        (`field` names it) is dropped with an error and the rest sent."""
        with self._sending:
            while True:
                if self._inflight is None:
                    self._inflight = self._take()
                    if self._inflight is None:
                        return True
                try:
                    self.client.execute(queries.LOG_RUN, {"input": self._inflight}, retry_seconds=retry_seconds)
                except StemmaError as exc:
                    if exc.code not in REFUSED:
                        logger.warning("could not send run %s's log yet: %s", self.run_path, exc)
                        return False
                    self._inflight = _without_refused(self._inflight, exc, self.run_path)
                    continue
                except Exception as exc:
                    logger.warning("could not send run %s's log yet: %s", self.run_path, exc)
                    return False
                self._inflight = None


def _without_refused(batch: dict[str, Any], error: StemmaError, run_path: str) -> dict[str, Any] | None:
    """The batch less what the server refused: the row, the config or the summary its error names, or all of
    it when the error names no part. None when nothing is left to send."""
    field = error.field or ""
    rows = batch["history"]
    found = re.fullmatch(r"input\.history\[(\d+)\].*", field)
    if found and int(found.group(1)) < len(rows):
        index = int(found.group(1))
        logger.error("the server refused run %s's row at step %s: %s", run_path, rows[index]["_step"], error)
        left = {**batch, "history": rows[:index] + rows[index + 1 :]}
    elif part := re.fullmatch(r"input\.(config|summary|tags|notes)(\[\d+\])?", field):
        logger.error("the server refused run %s's %s change: %s", run_path, part.group(1), error)
        left = {**batch, part.group(1): None}
    else:
        steps = f" (steps {rows[0]['_step']}-{rows[-1]['_step']})" if rows else ""
        logger.error("the server refused run %s's log%s: %s", run_path, steps, error)
        return None
    return left if _holds_anything(left) else None


def _holds_anything(batch: dict[str, Any]) -> bool:
    return any(batch.get(part) for part in ("history", "config", "summary")) or any(
        batch.get(part) is not None for part in ("tags", "notes")
    )


class History:
    """A run's `log`: the row being built at the current step, committed rows handed to the sender, and the
    summary they imply (W&B's step and commit rules)."""

    def __init__(self, sender: Sender, summary: Synced, next_step: int = 0) -> None:
        self.sender = sender
        self.summary = summary
        self.summarizer = Summarizer()
        self.step = next_step
        self.started = time.time()
        self._row: dict[str, Any] = {}
        self._lock = threading.Lock()

    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Add `data` to the row at the current step. With `step`, a later step first commits the row
        being built and moves to it, and an earlier one is ignored with a warning, as in W&B; the row is
        committed (the step advances) unless `commit=False`, or `step` was given and `commit` was not."""
        if not isinstance(data, Mapping):
            raise UsageError(f"log takes a dict of values; got {type(data).__name__}", field="data")
        values = {}
        for key, value in data.items():
            if not isinstance(key, str) or not key or key.startswith("_"):
                raise UsageError(f"log: keys are non-empty strings not starting with '_'; got {key!r}", field="data")
            values[key] = jsonable(value, key)
        with self._lock:
            if step is not None:
                if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP:
                    raise UsageError(f"step must be a whole number from 0 to {MAX_STEP}; got {step!r}", field="step")
                if step < self.step:
                    logger.warning("log at step %d, before the current step %d: ignored, as W&B does", step, self.step)
                    return
                if step > self.step:
                    self._commit()
                    self.step = step
            size = len(json.dumps({**self._row, **values}))
            if size > MAX_ROW_BYTES:
                raise UsageError(
                    f"log: the row at step {self.step} would be {size:,} bytes as JSON; the server keeps rows of at "
                    f"most {MAX_ROW_BYTES:,}",
                    field="data",
                )
            self._row.update(values)
            if commit if commit is not None else step is None:
                self._commit()

    def finish(self) -> None:
        """Commit the row being built, if any."""
        with self._lock:
            self._commit()

    def _commit(self) -> None:
        if not self._row:
            return
        now = time.time()
        row = {**self._row, "_step": self.step, "_timestamp": now, "_runtime": now - self.started}
        self.sender.add_row(row)
        try:
            self.summary.update(self.summarizer.after(self._row))
        except UsageError as exc:  # the summary is full: the row is kept, training goes on
            logger.error("run %s: the summary keeps its old values: %s", self.sender.run_path, exc)
        self._row = {}
        self.step += 1


def read_history(
    client: GraphQLClient, run_path: str, keys: Sequence[str] | None = None, samples: int | None = None
) -> list[dict[str, Any]]:
    """A run's history rows as the server keeps them; with `keys`, the rows holding one of them, with those
    keys and the row's `_step`, `_timestamp` and `_runtime`; with `samples`, at most that many rows, evenly
    spaced, the first and the last among them (W&B's `history(samples=)`)."""
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int) or samples < 1):
        raise UsageError(f"samples must be a whole number of at least 1; got {samples!r}", field="samples")
    rows = list(scan_history(client, run_path, keys))
    if samples is None or len(rows) <= samples:
        return rows
    if samples == 1:
        return rows[-1:]
    return [rows[round(i * (len(rows) - 1) / (samples - 1))] for i in range(samples)]


def scan_history(
    client: GraphQLClient,
    run_path: str,
    keys: Sequence[str] | None = None,
    page_size: int = HISTORY_PAGE_ROWS,
    min_step: int | None = None,
    max_step: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every row from `min_step` up to (not including) `max_step`, in step order, read a page of `page_size`
    rows at a time as iteration reaches it (W&B's `scan_history`); `keys` as in `read_history`."""
    wanted = set(keys) if keys is not None else None
    after = None if min_step is None or min_step <= 0 else min_step - 1
    while True:
        variables = {"id": run_path, "afterStep": after, "maxRows": page_size}
        page = client.execute(queries.RUN_HISTORY, variables)["runHistory"]
        for row in page["rows"]:
            if max_step is not None and row["_step"] >= max_step:
                return
            if wanted is None:
                yield row
            elif wanted.intersection(row):
                yield {k: v for k, v in row.items() if k in wanted or k.startswith("_")}
        if not page["hasMore"]:
            return
        after = page["endStep"]
