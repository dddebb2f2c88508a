"""Date-times read by compiled statements come back as whole microseconds since the epoch (rules.epoch_micros),
which the driver decodes natively; the DateTime scalar must write them exactly as it writes the driver's own
temporal values, which other statements (exports, imports) still return."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from neo4j import Driver

from schema.scalars import _serialize_datetime
from tests.builders import build_zoo
from tests.client import GraphQLClient
from tests.schema.test_lineage import MODEL

TIMES = [
    "2026-01-02T03:04:05Z",  # a whole second: no fraction written
    "2026-01-02T03:04:05.123456Z",
    "2026-01-02T03:04:05.123456789Z",  # nanoseconds: the driver keeps microseconds, cut, not rounded
    "2026-01-02T03:04:05.999999999Z",  # cutting must not carry into the next second
    "2026-01-02T05:04:05.5+02:00",  # another offset: written in UTC
    "1969-12-31T23:59:59.25Z",  # before the epoch, with a fraction (Neo4j's epochSeconds rounds toward zero)
    "1969-12-31T23:59:59.250123Z",
    "1969-12-31T23:59:59.000001Z",
    "1900-03-01T00:00:00.000001Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
]


@pytest.mark.parametrize("text", TIMES)
def test_a_compiled_date_time_reads_as_the_drivers_own(api: GraphQLClient, driver: Driver, text: str) -> None:
    build_zoo(api)
    entity, project, rest = MODEL.split("/")
    name, label = rest.split(":")
    records, _, _ = driver.execute_query(
        "MATCH (c:ArtifactCollection {entity: $entity, project: $project, name: $name})"
        "<-[:VERSION_OF]-(v:ArtifactVersion {version: toInteger($version)}) "
        "MATCH (r:Run)-[e:LOGGED]->(v) "
        "SET v.created_at = datetime($at), e.at = datetime($at) RETURN v.created_at AS at",
        entity=entity,
        project=project,
        name=name,
        version=label.removeprefix("v"),
        at=text,
    )
    expected = _serialize_datetime(records[0]["at"])
    data: dict[str, Any] = api.query(
        f'{{ artifact(ref: "{MODEL}") {{ createdAt loggedBy {{ edges {{ at }} }} }} '
        f'lineage(ref: "{MODEL}", direction: UPSTREAM, depth: 1) '
        "{ nodes { ... on ArtifactVersion { ref createdAt } } edges { at } } }"
    )
    assert data["artifact"]["createdAt"] == expected
    assert {edge["at"] for edge in data["artifact"]["loggedBy"]["edges"]} == {expected}
    [node] = [node for node in data["lineage"]["nodes"] if node.get("ref") == MODEL]
    assert node["createdAt"] == expected
    assert expected in {edge["at"] for edge in data["lineage"]["edges"]}


def test_microseconds_since_the_epoch_are_written_as_datetime_writes_them_across_its_whole_range() -> None:
    epoch = dt.datetime(1970, 1, 1)
    first = (dt.datetime(1, 1, 1) - epoch) // dt.timedelta(microseconds=1)
    last = (dt.datetime(9999, 12, 31, 23, 59, 59, 999_999) - epoch) // dt.timedelta(microseconds=1)
    draw = random.Random(13)
    values = [first, last, 0, -1, 1, 999_999, 1_000_000, -86_400_000_000, 86_399_999_999]
    values += [draw.randrange(first, last + 1) for _ in range(50_000)]
    values += [draw.randrange(first, last) // 1_000_000 * 1_000_000 for _ in range(10_000)]  # whole seconds
    values += [1_764_979_200_000_000 + draw.randrange(86_400_000_000) for _ in range(10_000)]  # one day, kept
    for value in values:
        assert _serialize_datetime(value) == (epoch + dt.timedelta(microseconds=value)).isoformat() + "Z", value
    for outside in (first - 1, last + 1):
        with pytest.raises(OverflowError):
            _serialize_datetime(outside)
