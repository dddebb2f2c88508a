"""The floor server's answer counts only when it names the version Stemma's does."""

from __future__ import annotations

import orjson

from bench.server_floor import agree

STEMMA = {"entity": "e", "project": "p", "name": "n", "version": 3, "digest": "d1", "id": "QXJ0", "createdAt": "x"}
FLOOR = {"__typename": "ArtifactVersion", "entity": "e", "project": "p", "name": "n", "version": 3, "digest": "d1"}


def body(artifact: object) -> bytes:
    return orjson.dumps({"data": {"artifact": artifact}})


def test_the_floor_agrees_only_on_the_same_version() -> None:
    assert agree(body(STEMMA), body(FLOOR))
    assert not agree(body(STEMMA), body(FLOOR | {"digest": "d2"}))
    assert not agree(body(STEMMA), body(FLOOR | {"version": 4}))
    assert not agree(body(STEMMA), body(None))
    assert not agree(body(None), body(None))
    assert not agree(body(STEMMA), b"HTTP 500: internal")
    assert not agree(b"OSError: refused", body(FLOOR))
