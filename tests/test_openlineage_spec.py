"""The OpenLineage spec check (tests/openlineage_spec.py) accepts the spec's own example events and names each
problem of a spoiled one, so a conforming export is a finding, not an accident of a lenient check."""

from __future__ import annotations

import copy
import json

import pytest

from schema.lineage_formats import as_openlineage
from tests.conftest import ROOT
from tests.openlineage_spec import spec_problems, unknown_facets

EXAMPLES = ROOT / "tests" / ".openlineage-examples"  # `make openlineage-examples`

EVENTS = ("example_full_event.json", "serde_example_run_event.json", "serde_example_job_event.json")


@pytest.mark.parametrize("name", [*EVENTS, "serde_example_dataset_event.json"])
def test_the_specs_example_events_conform(name: str) -> None:
    assert (EXAMPLES / name).is_file(), f"{EXAMPLES / name} is missing: `make openlineage-examples` fetches it"
    assert spec_problems(json.loads((EXAMPLES / name).read_text())) == []


def test_a_spoiled_event_is_found_out_at_each_path() -> None:
    lineage = {
        "root": {"id": "r"},
        "nodes": [
            {
                "__typename": "Run",
                "id": "r",
                "runId": "prep-1",
                "ref": "zoo-team/zoo/prep-1",
                "name": "prep-1",
                "entity": "zoo-team",
                "project": "zoo",
                "jobType": "preprocess",
                "group": "sweep-1",
                "state": "FINISHED",
                "config": {},
                "createdAt": "2026-12-05T09:00:00Z",
                "finishedAt": "2026-12-05T09:01:00Z",
            },
            {
                "__typename": "ArtifactVersion",
                "id": "v",
                "entity": "zoo-team",
                "project": "zoo",
                "collectionName": "zoo_dataset",
                "version": 3,
                "description": "animals",
                "metadata": {},
            },
        ],
        "edges": [{"kind": "LOGGED", "from": "r", "to": "v"}],
    }
    event = json.loads(as_openlineage(lineage))
    assert spec_problems(event) == [] and unknown_facets(event) == []
    spoiled = copy.deepcopy(event)
    spoiled["eventTime"] = "2026-12-05"
    spoiled["eventType"] = "DONE"
    spoiled["run"]["runId"] = "prep-1"
    spoiled["run"]["facets"]["parent"]["run"] = {}
    del spoiled["job"]["name"]
    spoiled["outputs"][0]["facets"]["version"]["datasetVersion"] = 3
    spoiled["outputs"][0]["facets"]["documentation"]["_schemaURL"] = spoiled["run"]["facets"]["parent"]["_schemaURL"]
    assert spec_problems(spoiled) == [
        "eventTime: Parsed date-time has to contain time: 2026-12-05",
        "run.runId: badly formed hexadecimal UUID string",
        "run.facets.parent.run.runId: required by the spec, missing",
        "job.name: required by the spec, missing",
        "eventType: 'DONE' is not one of the spec's EventType values",
        "outputs[0].facets.version.datasetVersion: a str is required, got 3",
        "outputs[0].facets.documentation._schemaURL: "
        "'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet' is not a DatasetFacet",
    ]
