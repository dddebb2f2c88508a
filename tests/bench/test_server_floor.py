"""The floor server's answer counts only when it names the version Stemma's does (bench/server_floor.py)."""

from __future__ import annotations

import orjson

from bench.server_floor import agree

STEMMA = {"entity": "e", "project": "p", "name": "n", "version": 3, "digest": "d1", "id": "QXJ0", "createdAt": "x"}
FLOOR = {"__typename": "ArtifactVersion", "entity": "e", "project": "p", "name": "n", "version": 3, "digest": "d1"}


def body(artifact: object) -> bytes:
    return orjson.dumps({"data": {"artifact": artifact}})


def test_the_floor_agrees_only_on_the_same_version() -> None:
    assert agree(body(STEMMA), body(FLOOR)) is True
    assert agree(body(STEMMA), body(FLOOR | {"digest": "d2"})) is False
    assert agree(body(STEMMA), body(FLOOR | {"version": 4})) is False
    assert agree(body(STEMMA), body(None)) is False
    assert agree(body(None), body(None)) is False
    assert agree(body(STEMMA), b"HTTP 500: internal") is False
    assert agree(b"OSError: refused", body(FLOOR)) is False
    assert agree(body({}), body({})) is False
    assert agree(body({"entity": "e"}), body({"entity": "e"})) is False
