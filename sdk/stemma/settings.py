"""SDK settings, each from an argument, else a STEMMA_* variable, else the config file, else its default."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from stemma.errors import UsageError

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    """Where the server is, who calls it, and how patiently; the API key never appears in a repr."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    entity: str | None = None
    project: str | None = None
    retry_seconds: float = 60.0
    heartbeat_seconds: float = 30.0
    upload_workers: int = 8

    @classmethod
    def resolve(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        config_file: Path | None = None,
        **arguments: Any,
    ) -> Settings:
        """Each setting from `arguments` (None means not given), then the environment, then the config file."""
        env = os.environ if environ is None else environ
        path = config_file if config_file is not None else config_path(env)
        from_file = read_config_file(path)
        unknown = set(arguments) - {spec.name for spec in fields(cls)}
        if unknown:
            raise UsageError(f"unknown setting {sorted(unknown)[0]!r}")
        values: dict[str, Any] = {}
        for spec in fields(cls):
            convert = _CONVERTERS.get(spec.name, str)
            variable = f"STEMMA_{spec.name.upper()}"
            if arguments.get(spec.name) is not None:
                values[spec.name] = _convert(convert, arguments[spec.name], f"argument {spec.name}")
            elif env.get(variable):
                values[spec.name] = _convert(convert, env[variable], variable)
            elif spec.name in from_file:
                values[spec.name] = _convert(convert, from_file[spec.name], f"{spec.name} in {path}")
        settings = cls(**values)
        return settings.check()

    def check(self) -> Settings:
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"base_url must start with http:// or https://; got {self.base_url!r}", field="base_url")
        if self.api_key is not None and not (self.api_key.isascii() and self.api_key.isprintable()):
            raise UsageError("the API key holds a space or a character that is not printable ASCII (not shown)")
        if self.retry_seconds < 0 or self.heartbeat_seconds <= 0 or self.upload_workers < 1:
            raise UsageError("retry_seconds must be ≥ 0, heartbeat_seconds > 0 and upload_workers ≥ 1")
        return self


def config_path(environ: Mapping[str, str]) -> Path:
    """STEMMA_CONFIG, else $XDG_CONFIG_HOME/stemma/config.toml, else ~/.config/stemma/config.toml."""
    if environ.get("STEMMA_CONFIG"):
        return Path(environ["STEMMA_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stemma" / "config.toml"


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's top-level keys (base_url, api_key, entity, …); a missing file is an empty one."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the config file {path} is not valid TOML: {exc}") from exc


def _convert(convert: Callable[[Any], Any], value: Any, source: str) -> Any:
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{source} has an invalid value: {exc}") from exc


def _base_url(value: Any) -> str:
    return str(value).rstrip("/")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "base_url": _base_url,
    "retry_seconds": float,
    "heartbeat_seconds": float,
    "upload_workers": int,
}
