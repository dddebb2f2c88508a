"""Stemma's Python SDK: wandb-style runs that use and log artifacts on a Stemma server, and an Api to read lineage."""

from __future__ import annotations

from typing import Any

from stemma.api import Api
from stemma.artifacts import Artifact, RunInfo
from stemma.batch import RecordedRuns, RunRecord
from stemma.collection import ArtifactCollection
from stemma.errors import (
    BadUserInput,
    Conflict,
    DigestMismatch,
    FileChanged,
    Forbidden,
    MissingFiles,
    NotFound,
    StemmaError,
    Unauthenticated,
    Unavailable,
    UnsafeManifest,
    UsageError,
)
from stemma.files import ManifestEntry
from stemma.lineage import Lineage, LineageCluster, LineageEdge, RedactedNode
from stemma.login import login
from stemma.records import RegistryLink
from stemma.runs import Run, current, define_metric, finish, init, log
from stemma.transport import VERSION

__version__ = VERSION


class NoRun(UsageError, AttributeError):
    """`stemma.config` or `stemma.summary` asked for with no run: a UsageError, and an AttributeError so that
    `hasattr(stemma, "config")` is simply False."""


__all__ = [
    "Api",
    "Artifact",
    "ArtifactCollection",
    "BadUserInput",
    "Conflict",
    "DigestMismatch",
    "FileChanged",
    "Forbidden",
    "Lineage",
    "LineageCluster",
    "LineageEdge",
    "ManifestEntry",
    "MissingFiles",
    "NotFound",
    "RecordedRuns",
    "RedactedNode",
    "RegistryLink",
    "Run",
    "RunInfo",
    "RunRecord",
    "StemmaError",
    "Unauthenticated",
    "Unavailable",
    "UnsafeManifest",
    "UsageError",
    "current",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
]


def __getattr__(name: str) -> Any:
    """`stemma.run` is the current run, as `wandb.run` is; `stemma.config` and `stemma.summary` are its config
    and summary (as `wandb.config` and `wandb.summary`), which need a run."""
    if name == "run":
        return current()
    if name in ("config", "summary"):
        run = current()
        if run is None:
            raise NoRun(f"stemma.{name} belongs to a run: call stemma.init() first")
        return getattr(run, name)
    raise AttributeError(f"module 'stemma' has no attribute {name!r}")
