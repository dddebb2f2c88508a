"""`stemma.login`, as W&B's `wandb.login`: keep an API key, and the server's address, in the config file the
SDK and the `stemma` command read (STEMMA_CONFIG, default ~/.config/stemma/config.toml), readable only by you."""

from __future__ import annotations

import getpass
import json
import math
import os
import re
import sys
import tempfile
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
    key = key.strip()
    if not key:
        raise UsageError("the API key is empty", field="key")
    if not (key.isascii() and key.isprintable()):
        raise UsageError("an API key is printable ASCII without spaces; this one is not (it is not shown)", field="key")
    settings = Settings.resolve(api_key=key, base_url=host)
    if verify:
        client = GraphQLClient(settings)
        try:
            client.execute(queries.ME)
        finally:
            client.close()
    path = config_path(os.environ)
    # The key is kept with the server it was checked against, so it is never sent to another one.
    write_config_file(path, {**read_config_file(path), "api_key": key, "base_url": settings.base_url})
    return True


def write_config_file(path: Path, values: dict[str, Any]) -> None:
    """Top-level TOML keys, written whole to a new file only you may read, flushed to disk, then moved into
    place (an existing file of wider permissions is replaced, not reused)."""
    lines = [f"{_toml_key(name)} = {_toml_value(value, path, name)}" for name, value in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_string(name)


def _toml_value(value: Any, path: Path, name: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    raise UsageError(f"{path} holds {name!r}, which is not a plain value; edit the file by hand")


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes for the quote, backslash and control characters (TOML takes the
    same), DEL escaped too, every other character as itself."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
