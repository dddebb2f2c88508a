"""`stemma.login`, as W&B's `wandb.login`: keep an API key, and the server's address, in the config file the
SDK and the `stemma` command read (STEMMA_CONFIG, default ~/.config/stemma/config.toml), readable only by you."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from stemma import queries
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.settings import Settings, config_path, read_config_file


def login(key: str | None = None, host: str | None = None, relogin: bool = False, verify: bool = True) -> bool:
    """Keep `key` (asked for at a terminal when not given) for later runs, after the server at `host` (or the
    configured one) accepted it; a key refused raises and nothing is written. With a key already set (an
    argument, STEMMA_API_KEY or the file) and no new one given, nothing changes unless `relogin`."""
    if key is None:
        if not relogin and Settings.resolve().api_key:
            return True
        if not sys.stdin.isatty():
            raise UsageError("no API key given: call stemma.login(key=...) or set STEMMA_API_KEY", field="key")
        key = getpass.getpass("Stemma API key: ").strip()
    if not key:
        raise UsageError("the API key is empty", field="key")
    settings = Settings.resolve(api_key=key, base_url=host)
    if verify:
        client = GraphQLClient(settings)
        try:
            client.execute(queries.ME)
        finally:
            client.close()
    path = config_path(os.environ)
    kept = {**read_config_file(path), "api_key": key}
    if host is not None:
        kept["base_url"] = settings.base_url
    write_config_file(path, kept)
    return True


def write_config_file(path: Path, values: dict[str, Any]) -> None:
    """Top-level TOML keys, written whole through a file only you may read, then moved into place."""
    lines = []
    for name, value in values.items():
        if isinstance(value, bool):
            lines.append(f"{name} = {'true' if value else 'false'}")
        elif isinstance(value, (int, float, str)):
            lines.append(f"{name} = {json.dumps(value)}")  # a JSON string is a TOML basic string
        else:
            raise UsageError(f"{path} holds {name!r}, which is not a plain value; edit the file by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(partial, path)
