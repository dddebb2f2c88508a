"""Artifact names and references, checked before anything is sent."""

from __future__ import annotations

import re
import secrets
import string

from stemma.errors import UsageError

_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
RUN_ID_ALPHABET = string.ascii_lowercase + string.digits


def check_name(value: str, field: str) -> str:
    """Letters, digits, '-', '_' and '.', at most 128 — checked here so a bad name fails before any upload."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise UsageError(
            f"{field} may hold only letters, digits, '-', '_' and '.' (1 to 128); got {value!r}", field=field
        )
    return value


def qualify(ref: str, entity: str | None, project: str | None) -> str:
    """A full reference ENTITY/PROJECT/NAME:LABEL from `name`, `name:label`, `project/name…` or a full one."""
    if ":" not in ref:
        ref = f"{ref}:latest"
    slashes = ref.split(":", 1)[0].count("/")
    if slashes == 0 and entity and project:
        return f"{entity}/{project}/{ref}"
    if slashes == 1 and entity:
        return f"{entity}/{ref}"
    if slashes != 2:
        raise UsageError(f"{ref!r} is not a full reference ENTITY/PROJECT/NAME:VERSION_OR_ALIAS", field="ref")
    return ref


def new_run_id() -> str:
    """Chosen here rather than by the server, so a retried createRun cannot start a second run."""
    return "".join(secrets.choice(RUN_ID_ALPHABET) for _ in range(8))
