"""`POST /wandb/files/{entity}/{project}/{run}/file_stream`: what a run logs, as the client streams it.

Each request carries new lines of the run's files: `wandb-history.jsonl` (one history row a line, with
`_step`) and `wandb-summary.json` (the whole summary, its latest line), besides system metrics and console
output, which Stemma does not keep. The last request says `complete` with the process's exit code: the run
ends FINISHED (exit code 0) or FAILED. Every other request is the run's heartbeat, and makes an ended run
running again: only a live process streams, so the run was resumed (W&B's resume="allow" or "must").
Everything a request carries is written in one transaction; a retried request changes nothing more.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from strawberry import ID

from cypher.errors import InvalidInput, NotFound
from cypher.executor import WriteTransaction
from cypher.jsonvalues import check_json, parse_json
from cypher.refs import check_name, check_project
from cypher.writes import RunLog, Writer
from schema.inputs import MAX_HISTORY_ROWS, LogRunInput, check_run_log
from schema.scalars import JSON
from server.state import services
from server.wandb_compat.runs import summary_values

HISTORY = "wandb-history.jsonl"
SUMMARY = "wandb-summary.json"


def _lines(files: dict[str, Any], name: str) -> list[Any]:
    """The JSON values of the lines a request carries for one file (none when it carries none)."""
    chunk = files.get(name)
    if chunk is None:
        return []
    content = chunk.get("content") if isinstance(chunk, dict) else None
    if not isinstance(content, list) or not all(isinstance(line, str) for line in content):
        raise InvalidInput(f"files.{name}.content must be a list of lines (strings)", field=f"files.{name}")
    values = []
    for index, line in enumerate(content):
        field = f"files.{name}.content[{index}]"
        try:
            # The client writes NaN and ±Infinity as bare words; they are kept as the strings W&B shows.
            value = json.loads(line, parse_constant=str)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(f"{field} is not JSON: {exc}", field=field) from exc
        check_json(value, field, within=field)
        values.append(value)
    return values


def _logs(files: dict[str, Any]) -> list[RunLog]:
    """What the request adds to the run, as logRun takes it, at most MAX_HISTORY_ROWS rows each."""
    rows = _lines(files, HISTORY)
    summaries = _lines(files, SUMMARY)
    summary = summaries[-1] if summaries else {}
    if not isinstance(summary, dict):
        raise InvalidInput(f"files.{SUMMARY}: a summary is a JSON object", field=f"files.{SUMMARY}")
    batches = [rows[start : start + MAX_HISTORY_ROWS] for start in range(0, len(rows), MAX_HISTORY_ROWS)] or [[]]
    logs = []
    for number, batch in enumerate(batches):
        log = LogRunInput(id=ID(""), history=batch, summary=JSON(summary_values(summary)) if number == 0 else None)
        try:
            logs.append(check_run_log(log))
        except InvalidInput as refused:
            raise _in_stream(refused, number * MAX_HISTORY_ROWS) from None
    return [log for log in logs if log.history or log.summary]


def _in_stream(refused: InvalidInput, first_row: int) -> InvalidInput:
    """logRun's refusal named by where the client sent the value: `input.history[3]` is a line of the history
    file (counted from this request's first), `input.summary` the summary file."""
    field = refused.field or ""
    row = re.fullmatch(r"input\.history\[(\d+)\](.*)", field)
    if row:
        named = f"files.{HISTORY}.content[{first_row + int(row.group(1))}]{row.group(2)}"
    else:
        named = field.replace("input.summary", f"files.{SUMMARY}", 1).replace("input.history", f"files.{HISTORY}", 1)
    return InvalidInput(refused.message.replace(field, named), field=named, **refused.details)


async def file_stream(request: Request) -> JSONResponse:
    params = request.path_params
    entity = check_name(params["entity"], "entity")
    project = check_project(params["project"], "project")
    run_id = f"{entity}/{project}/{check_name(params['run'], 'run')}"
    body = parse_json(await request.body(), "the file stream's request")
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object with `files`", field="body")
    files = body.get("files") or {}
    if not isinstance(files, dict):
        raise InvalidInput("files must be an object of file names", field="files")
    logs = _logs(files)
    complete = body.get("complete") is True
    exit_code = body.get("exitcode")
    if complete and (
        not isinstance(exit_code, int) or isinstance(exit_code, bool) or not -(2**31) <= exit_code < 2**31
    ):
        raise InvalidInput("exitcode: a complete run's exit code is a whole number", field="exitcode")
    caller = request.state.caller

    async def write(tx: WriteTransaction) -> None:
        writer = Writer(tx, caller)
        writer.member_of(entity, "entity")
        for log in logs:
            await writer.log_run(run_id, log)
        if complete:
            await writer.finish_run(run_id, "finished" if exit_code == 0 else "failed")
        elif not await writer.run("resume_run", id=run_id):
            raise NotFound(f"no run has id {run_id!r}", field="run")

    await services(request).graph.executor.write(write)
    return JSONResponse({})
