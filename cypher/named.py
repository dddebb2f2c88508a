"""Fixed statements from `statements/*.cypher`, each headed by a comment saying what it answers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STATEMENTS_DIR = Path(__file__).resolve().parent / "statements"


@cache
def named(name: str) -> str:
    """The text of `statements/<name>.cypher` without its comment lines."""
    lines = (STATEMENTS_DIR / f"{name}.cypher").read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//")).strip()
