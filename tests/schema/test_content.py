"""Naming content in a manifest proves nothing: the caller must have uploaded it or see a version holding it,
and its declared size must be the stored size (issue 11, finding 4)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.builders import Builder
from tests.client import GraphQLClient

SECRET = b"acme's weights, never shown to globex"
DIGEST = hashlib.sha256(SECRET).hexdigest()
LOG = """mutation($input: LogArtifactInput!) { logArtifact(input: $input) { created artifact { ref } } }"""
RECORD = "mutation($runs: [RecordRunInput!]!) { recordRuns(runs: $runs) { runs } }"


@dataclass
class Tenants:
    ana: GraphQLClient  # member of acme, who uploaded SECRET
    vic: GraphQLClient  # viewer of acme, another member of acme
    bob: GraphQLClient  # member of globex


def _client(api: GraphQLClient, user: str) -> GraphQLClient:
    key = api.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
    return GraphQLClient(str(api.http.base_url), key=key)


@pytest.fixture
def tenants(api: GraphQLClient) -> Iterator[Tenants]:
    for entity, user, role in (("acme", "ana", "MEMBER"), ("acme", "vic", "MEMBER"), ("globex", "bob", "MEMBER")):
        api.query(f'mutation {{ addMember(entity: "{entity}", user: "{user}", role: {role}) {{ role }} }}')
    people = Tenants(_client(api, "ana"), _client(api, "vic"), _client(api, "bob"))
    acme = Builder(people.ana, "acme", "vision")
    acme.log(acme.run("a1"), "weights", "model", files={"w.bin": SECRET})
    Builder(people.bob, "globex", "nlp").run("g1")
    yield people
    for client in (people.ana, people.vic, people.bob):
        client.http.close()


def log_input(digest: str, size: int, run: str = "globex/nlp/g1") -> dict[str, object]:
    return {
        "runId": run,
        "name": "stolen",
        "type": "model",
        "files": [{"path": "w.bin", "digest": digest, "size": size}],
    }


def test_a_digest_you_never_uploaded_and_cannot_read_is_refused_exactly_like_one_never_stored(
    tenants: Tenants,
) -> None:
    foreign = tenants.bob.error(LOG, input=log_input(DIGEST, len(SECRET)))
    absent = tenants.bob.error(LOG, input=log_input("0" * 64, len(SECRET)))
    assert foreign["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files", "missing": [DIGEST]}
    assert absent["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files", "missing": ["0" * 64]}
    assert foreign["message"] == absent["message"].replace("0" * 64, DIGEST)
    assert foreign["message"] == (
        f"input.files: 'w.bin' names content ({DIGEST}) you have not uploaded; "
        "1 file(s) need a PUT to /files/sha256/DIGEST first"
    )
    batch = [{"entity": "globex", "project": "nlp", "runId": "g2", "logs": [log_input(DIGEST, len(SECRET))]}]
    del batch[0]["logs"][0]["runId"]  # type: ignore[attr-defined]
    refused = tenants.bob.error(RECORD, runs=batch)
    assert refused["extensions"] == {"code": "BAD_USER_INPUT", "field": "runs[0].logs[0].files", "missing": [DIGEST]}
    assert tenants.bob.http.get(f"/files/sha256/{DIGEST}").status_code == 404
    assert tenants.bob.query('{ runs(entity: "globex", project: "nlp") { totalCount } }') == {"runs": {"totalCount": 1}}


def test_uploading_the_bytes_yourself_proves_possession_and_says_nothing_of_other_holders(tenants: Tenants) -> None:
    put = tenants.bob.http.put(f"/files/sha256/{DIGEST}", content=SECRET)
    assert (put.status_code, put.json()) == (201, {"digest": DIGEST, "created": True})
    again = tenants.bob.http.put(f"/files/sha256/{DIGEST}", content=SECRET)
    assert (again.status_code, again.json()) == (200, {"digest": DIGEST, "created": False})
    logged = tenants.bob.query(LOG, input=log_input(DIGEST, len(SECRET)))
    assert logged == {"logArtifact": {"created": True, "artifact": {"ref": "globex/nlp/stolen:v0"}}}


def test_content_in_a_version_you_may_read_can_be_named_without_uploading_it(tenants: Tenants) -> None:
    Builder(tenants.vic, "acme", "vision").run("a2")
    logged = tenants.vic.query(LOG, input=log_input(DIGEST, len(SECRET), run="acme/vision/a2"))
    assert logged["logArtifact"]["artifact"]["ref"] == "acme/vision/stolen:v0"


def test_the_declared_size_must_be_the_stored_size(tenants: Tenants) -> None:
    Builder(tenants.vic, "acme", "vision").run("a2")
    refused = tenants.vic.error(LOG, input=log_input(DIGEST, 5, run="acme/vision/a2"))
    assert refused["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files"}
    assert refused["message"] == f"input.files: 'w.bin' is declared as 5 bytes, but its content has {len(SECRET)}"


def test_someone_who_may_not_write_learns_nothing_of_what_is_stored(tenants: Tenants, api: GraphQLClient) -> None:
    api.query('mutation { addMember(entity: "globex", user: "vic", role: VIEWER) { role } }')
    stored = tenants.vic.error(LOG, input=log_input(DIGEST, len(SECRET)))
    absent = tenants.vic.error(LOG, input=log_input("0" * 64, len(SECRET)))
    assert stored == absent
    assert stored["extensions"] == {"code": "FORBIDDEN", "field": "input.runId"}


REFERENCE_FILES = "{ artifact(ref: $ref) { digest size fileCount files { path digest size ref } } }"


def test_a_reference_is_recorded_without_upload_and_claims_no_stored_content(tenants: Tenants) -> None:
    """A reference naming another tenant's digest as its checksum records a URI, nothing more: the version
    does not contain that content, and the digest stays unreadable."""
    files = [
        {"path": "shards/a.parquet", "digest": DIGEST, "size": len(SECRET), "ref": "s3://lake/a.parquet"},
        {"path": "labels.csv", "digest": '"9b2cf535f27731c974343645a3985328"', "size": 10, "ref": "https://x.org/l"},
    ]
    logged = tenants.bob.query(LOG, input={**log_input(DIGEST, 0), "files": files})["logArtifact"]
    ref = logged["artifact"]["ref"]
    query = "query($ref: String!) " + REFERENCE_FILES
    version = tenants.bob.query(query, ref=ref)["artifact"]
    assert version["fileCount"] == 2 and version["size"] == len(SECRET) + 10
    assert version["files"] == [
        {"path": "labels.csv", "digest": files[1]["digest"], "size": 10, "ref": "https://x.org/l"},
        {"path": "shards/a.parquet", "digest": DIGEST, "size": len(SECRET), "ref": "s3://lake/a.parquet"},
    ]
    assert tenants.bob.http.get(f"/files/sha256/{DIGEST}").status_code == 404
    again = tenants.bob.query(LOG, input={**log_input(DIGEST, 0), "files": files[::-1]})["logArtifact"]
    assert (again["created"], again["artifact"]["ref"]) == (False, ref)
    moved = [{**files[0], "ref": "s3://lake/moved.parquet"}, files[1]]
    assert tenants.bob.query(LOG, input={**log_input(DIGEST, 0), "files": moved})["logArtifact"]["created"]


def test_a_reference_s_uri_and_checksum_are_checked_and_named(tenants: Tenants) -> None:
    cases = [
        ({"ref": "ftp://x.org/a"}, "input.files[0].ref"),
        ({"ref": "https://x.org/a b"}, "input.files[0].ref"),
        ({"ref": "s3://" + "a" * 2048}, "input.files[0].ref"),
        ({"ref": "https://x.org/a", "digest": "has space"}, "input.files[0].digest"),
        ({"ref": "https://x.org/a", "digest": ""}, "input.files[0].digest"),
    ]
    for change, field in cases:
        entry = {"path": "a", "digest": "0" * 64, "size": 1, **change}
        error = tenants.bob.error(LOG, input={**log_input(DIGEST, 0), "files": [entry]})
        assert error["extensions"]["field"] == field, (change, error)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
