"""File contents in S3-compatible storage (issue 17): a second real server keeps them in a bucket of moto's
standalone server, which the tests also read directly, over HTTP, as any S3 client would."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, S3_BUCKET, S3_PART_BYTES, S3_PREFIX, S3_UPLOAD_LIMIT, free_port
from tests.s3 import S3Server
from tests.serving import ServerProcess

AUTHORIZED = {"authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def http(s3_server: str, driver: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=s3_server, headers=AUTHORIZED, timeout=60) as client:
        yield client


def stored(s3: S3Server) -> dict[str, bytes]:
    """Every object under the server's prefix, by key."""
    client = s3.client()
    listed = client.list_objects_v2(Bucket=S3_BUCKET, Prefix=S3_PREFIX).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=S3_BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def key(digest: str) -> str:
    return f"{S3_PREFIX}/{digest[:2]}/{digest[2:4]}/{digest}"


def test_content_is_kept_in_the_bucket_under_its_digest_once(http: httpx.Client, s3: S3Server) -> None:
    content = os.urandom(12 * 1024 * 1024 + 5)  # larger than a part: boto3 uploads it in parts
    digest = hashlib.sha256(content).hexdigest()
    first = http.put(f"/files/sha256/{digest}", content=content)
    assert (first.status_code, first.json()) == (201, {"digest": digest, "created": True})
    assert stored(s3)[key(digest)] == content
    again = http.put(f"/files/sha256/{digest}", content=content)
    assert (again.status_code, again.json()) == (200, {"digest": digest, "created": False})
    head = http.head(f"/files/sha256/{digest}")
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(content)))
    read = http.get(f"/files/sha256/{digest}", follow_redirects=True)
    assert read.status_code == 200
    assert read.content == content
    assert [name for name in stored(s3) if name.endswith(digest)] == [key(digest)]


def test_a_reader_is_sent_to_a_short_lived_presigned_url_and_nobody_else_gets_one(
    http: httpx.Client, s3_server: str, s3: S3Server
) -> None:
    """The server checks the caller as for the bytes, then redirects to the object signed for five minutes; the
    URL works with no credentials at all and is never cached. A caller who may not read gets 404 and no URL."""
    content = b"weights fetched straight from the bucket"
    digest = hashlib.sha256(content).hexdigest()
    assert http.put(f"/files/sha256/{digest}", content=content).status_code == 201
    sent = http.get(f"/files/sha256/{digest}", follow_redirects=False)
    assert sent.status_code == 307
    assert sent.headers["cache-control"] == "no-store"
    location = sent.headers["location"]
    assert location.startswith(f"{s3.url}/{S3_BUCKET}/{key(digest)}?")
    assert "X-Amz-Expires=300" in location
    assert ADMIN_KEY not in location
    with httpx.Client(timeout=60) as anonymous:
        assert anonymous.get(location).content == content
    with GraphQLClient(s3_server) as admin:
        admin.query('mutation { addMember(entity: "initech", user: "ivy", role: MEMBER) { role } }')
        ivy_key = admin.query('mutation { createApiKey(user: "ivy") { key } }')["createApiKey"]["key"]
    with GraphQLClient(s3_server, key=ivy_key) as ivy:
        refused = ivy.http.get(f"/files/sha256/{digest}", follow_redirects=False)
    assert (refused.status_code, "location" in refused.headers) == (404, False)


def test_a_refused_upload_leaves_nothing_in_the_bucket(http: httpx.Client, s3: S3Server) -> None:
    content = b"these bytes are not what the digest says"
    wrong = hashlib.sha256(b"something else").hexdigest()
    refused = http.put(f"/files/sha256/{wrong}", content=content)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "BAD_USER_INPUT"
    assert "nothing was stored" in refused.json()["error"]["message"]

    def too_much() -> Iterator[bytes]:  # no content-length: the limit is enforced as the body streams
        for _ in range(S3_UPLOAD_LIMIT // (1024 * 1024) + 1):
            yield b"x" * (1024 * 1024)

    large = hashlib.sha256(b"x" * (S3_UPLOAD_LIMIT + 1024 * 1024)).hexdigest()
    over = http.put(f"/files/sha256/{large}", content=too_much())
    assert over.status_code == 413
    assert not [name for name in stored(s3) if name.endswith((wrong, large))]
    assert http.get(f"/files/sha256/{wrong}").status_code == 404


def test_only_readers_of_a_version_holding_the_content_can_fetch_it(
    http: httpx.Client, s3_server: str, s3: S3Server
) -> None:
    content = b"acme's private weights"
    digest = hashlib.sha256(content).hexdigest()
    with GraphQLClient(s3_server) as admin:
        admin.query('mutation { addMember(entity: "acme", user: "ada", role: MEMBER) { role } }')
        admin.query('mutation { addMember(entity: "globex", user: "gus", role: MEMBER) { role } }')
        keys = {
            user: admin.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
            for user in ("ada", "gus")
        }
    with GraphQLClient(s3_server, key=keys["ada"]) as ada:
        assert ada.put_file(content) == digest
        ada.query('mutation { createRun(input: {entity: "acme", project: "p", runId: "r"}) { id } }')
        ada.query(
            'mutation($files: [FileInput!]!) { logArtifact(input: {runId: "acme/p/r", name: "w", type: "model", '
            "files: $files}) { created } }",
            files=[{"path": "w.bin", "digest": digest, "size": len(content)}],
        )
        assert ada.http.get(f"/files/sha256/{digest}", follow_redirects=True).content == content
    with GraphQLClient(s3_server, key=keys["gus"]) as gus:
        assert gus.http.get(f"/files/sha256/{digest}").status_code == 404
        assert gus.http.head(f"/files/sha256/{digest}").status_code == 404
    assert stored(s3)[key(digest)] == content


def test_a_store_that_fails_answers_unavailable_and_the_server_stays_up(
    driver: Any, neo4j_uri: str, tmp_path: Path
) -> None:
    """A store of the server's own that fails is the server's trouble, never the client's and never an internal
    error: with its bucket missing the server starts (and says so), uploads answer UNAVAILABLE; with the store
    down, reads and missingFiles answer UNAVAILABLE too. The credentials appear nowhere in the log."""
    own = S3Server(free_port(), tmp_path / "moto.log").start()
    environment = {**own.environment, "STEMMA_BLOB_URL": "s3://no-such-bucket/x", "STEMMA_S3_ENDPOINT_URL": own.url}
    process = ServerProcess(neo4j_uri, tmp_path / "state", free_port(), environment).start()
    unavailable = {"code": "UNAVAILABLE", "message": "the file store is unreachable; try again shortly"}
    try:
        assert "the S3 bucket no-such-bucket cannot be reached" in process.log()
        content = b"nowhere to go"
        digest = hashlib.sha256(content).hexdigest()
        with httpx.Client(base_url=process.url, headers=AUTHORIZED, timeout=60) as http:
            put = http.put(f"/files/sha256/{digest}", content=content)
            assert (put.status_code, put.json()["error"]) == (503, unavailable)
            own.stop()
            read = http.get(f"/files/sha256/{digest}")
            assert (read.status_code, read.json()["error"]) == (503, unavailable)
            missing = http.post(
                "/graphql",
                json={"query": "query($d: [String!]!) { missingFiles(digests: $d) }", "variables": {"d": [digest]}},
            ).json()
            assert missing["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
            assert http.get("/healthz").status_code == 200
        assert own.environment["AWS_SECRET_ACCESS_KEY"] not in process.log()
    finally:
        process.stop()
        own.stop()


def test_the_sdk_uploads_straight_to_the_bucket_and_the_server_checks_what_arrived(
    s3_server: str, s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No byte of the upload passes through the server: it offers presigned URLs of the parts of a staging object
    (6 MiB: two parts), the SDK puts the content there (without Stemma's key), and the server completes the
    upload, checks it and moves it under its digest."""
    import stemma

    from tests.sdk.conftest import requests_answered, requests_since

    monkeypatch.setenv("STEMMA_BASE_URL", s3_server)
    monkeypatch.setenv("STEMMA_API_KEY", ADMIN_KEY)
    content = os.urandom(6 * 1024 * 1024 + 3)
    digest = hashlib.sha256(content).hexdigest()
    (tmp_path / "model.bin").write_bytes(content)
    before = requests_answered(s3_server)
    with stemma.init(entity="direct-team", project="p") as run:
        run.log_artifact(tmp_path / "model.bin", name="model", type="model")
    answered = requests_since(s3_server, before)
    assert not [route for (method, route, _), _ in answered.items() if method == "PUT"]
    assert answered[("POST", "/files/sha256/{digest}/upload", "200")] == 1
    assert answered[("POST", "/files/sha256/{digest}/upload/{upload}", "201")] == 1
    assert stored(s3)[key(digest)] == content
    assert not [name for name in stored(s3) if "/uploads/" in name]
    assert not s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")
    caplog.set_level(logging.INFO, logger="httpx")
    folder = stemma.Api().artifact("direct-team/p/model:v0").download(tmp_path / "out")
    assert (Path(folder) / "model.bin").read_bytes() == content
    fetched = [line for line in caplog.messages if f"GET {s3.url}/{S3_BUCKET}/{key(digest)}" in line]
    assert fetched, caplog.messages
    assert not [line for line in caplog.messages if "X-Amz-Signature" in line or "X-Amz-Credential" in line]


def test_a_direct_upload_is_checked_before_it_is_kept(http: httpx.Client, s3: S3Server) -> None:
    """Other bytes put at the offered URL (a store that does not check them itself, like moto) are refused when
    the upload is finished: nothing is kept under the digest and the staging object is gone."""
    content = b"the bytes the digest names"
    digest = hashlib.sha256(content).hexdigest()
    offer = http.post(f"/files/sha256/{digest}/upload", json={"size": len(content)}).json()
    assert set(offer) == {"url", "headers", "upload", "parts"}
    assert offer["parts"] == [{"url": offer["url"], "headers": offer["headers"], "offset": 0, "size": len(content)}]
    assert f"/uploads/{digest}/" in offer["url"] and f"/{offer['upload']}?" in offer["url"]
    assert ADMIN_KEY not in offer["url"]
    with httpx.Client(timeout=60) as anonymous:
        tampered = b"other bytes, same length!!"
        assert len(tampered) == len(content)
        assert anonymous.put(offer["url"], content=tampered, headers=offer["headers"]).status_code == 200
    refused = http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "digest"
    assert "nothing was stored" in refused.json()["error"]["message"]
    assert not [name for name in stored(s3) if digest in name]
    again = http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
    assert (again.status_code, again.json()["error"]["code"]) == (404, "NOT_FOUND")
    bad_id = http.post(f"/files/sha256/{digest}/upload/not-an-id")
    assert (bad_id.status_code, bad_id.json()["error"]["field"]) == (400, "upload")
    with httpx.Client(timeout=60) as anonymous:  # the URL still works until it expires: what it brings is checked anew
        assert anonymous.put(offer["url"], content=content, headers=offer["headers"]).status_code == 200
    kept = http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
    assert (kept.status_code, kept.json()) == (201, {"digest": digest, "created": True})
    assert stored(s3)[key(digest)] == content
    assert not [name for name in stored(s3) if "/uploads/" in name or "/verifying/" in name]


def test_a_large_upload_goes_up_in_presigned_parts_and_is_checked_whole(http: httpx.Client, s3: S3Server) -> None:
    """Above the part size the offer is a multipart upload: a URL per part, each signed for its number and
    length. Finishing completes it from the parts the store holds and checks the whole: with a part missing
    nothing is kept and the upload is gone; with every part, it is kept under its digest."""
    content = os.urandom(2 * S3_PART_BYTES + 1000)
    digest = hashlib.sha256(content).hexdigest()

    def offered() -> dict[str, Any]:
        offer: dict[str, Any] = http.post(f"/files/sha256/{digest}/upload", json={"size": len(content)}).json()
        assert offer["url"] is None, "a client that knows only single PUTs sends the content through the server"
        sizes = [S3_PART_BYTES, S3_PART_BYTES, 1000]
        assert [(part["offset"], part["size"]) for part in offer["parts"]] == [
            (0, sizes[0]),
            (sizes[0], sizes[1]),
            (2 * S3_PART_BYTES, 1000),
        ]
        assert all(ADMIN_KEY not in part["url"] and f"/uploads/{digest}/" in part["url"] for part in offer["parts"])
        return offer

    def put(offer: dict[str, Any], parts: list[dict[str, Any]]) -> None:
        with httpx.Client(timeout=60) as anonymous:
            for part in parts:
                body = content[part["offset"] : part["offset"] + part["size"]]
                assert anonymous.put(part["url"], content=body, headers=part["headers"]).status_code == 200

    partial = offered()
    put(partial, [partial["parts"][0], partial["parts"][2]])
    refused = http.post(f"/files/sha256/{digest}/upload/{partial['upload']}")
    assert (refused.status_code, refused.json()["error"]["field"]) == (400, "digest")
    assert not [name for name in stored(s3) if digest in name]
    assert not s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")

    whole = offered()
    put(whole, whole["parts"])
    kept = http.post(f"/files/sha256/{digest}/upload/{whole['upload']}")
    assert (kept.status_code, kept.json()) == (201, {"digest": digest, "created": True})
    assert stored(s3)[key(digest)] == content
    assert not [name for name in stored(s3) if "/uploads/" in name or "/verifying/" in name]
    assert not s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")


def test_only_the_user_an_upload_was_offered_to_can_finish_it(http: httpx.Client, s3_server: str, s3: S3Server) -> None:
    """Knowing the digest and the upload's id (it is in the URLs) is not enough: another writer finishing it
    finds no such upload, and nothing is recorded as theirs; its owner finishes it as usual."""
    content = b"offered to the superuser only"
    digest = hashlib.sha256(content).hexdigest()
    offer = http.post(f"/files/sha256/{digest}/upload", json={"size": len(content)}).json()
    with httpx.Client(timeout=60) as anonymous:
        assert anonymous.put(offer["url"], content=content, headers=offer["headers"]).status_code == 200
    with GraphQLClient(s3_server) as admin:
        admin.query('mutation { addMember(entity: "umbrella", user: "mal", role: MEMBER) { role } }')
        mal_key = admin.query('mutation { createApiKey(user: "mal") { key } }')["createApiKey"]["key"]
    with GraphQLClient(s3_server, key=mal_key) as mal:
        taken = mal.http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
        assert (taken.status_code, taken.json()["error"]["code"]) == (404, "NOT_FOUND")
        missing = mal.query("query($d: [String!]!) { missingFiles(digests: $d) }", d=[digest])
        assert missing == {"missingFiles": [digest]}
    finished = http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
    assert (finished.status_code, finished.json()) == (201, {"digest": digest, "created": True})
    assert stored(s3)[key(digest)] == content


def test_upload_offers_follow_the_upload_rules(http: httpx.Client, s3_server: str, server: str) -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    too_big = http.post(f"/files/sha256/{digest}/upload", json={"size": S3_UPLOAD_LIMIT + 1})
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    for body in (b"not json", b'{"size": -1}', b'{"size": "3"}', b"[]", b"[" * 3000, b'{"size": true}'):
        refused = http.post(f"/files/sha256/{digest}/upload", content=body)
        assert (refused.status_code, refused.json()["error"]["field"]) == (400, "size"), body
    with GraphQLClient(s3_server) as admin:
        admin.query('mutation { addMember(entity: "acme", user: "val", role: VIEWER) { role } }')
        val_key = admin.query('mutation { createApiKey(user: "val") { key } }')["createApiKey"]["key"]
    with GraphQLClient(s3_server, key=val_key) as val:
        viewer = val.http.post(f"/files/sha256/{digest}/upload", json={"size": 1})
    assert (viewer.status_code, viewer.json()["error"]["code"]) == (403, "FORBIDDEN")
    with httpx.Client(base_url=server, headers=AUTHORIZED) as folder:  # a folder store takes uploads itself
        assert folder.post(f"/files/sha256/{digest}/upload", json={"size": 1}).json() == {"url": None}


def test_parts_larger_in_all_than_the_limit_are_refused_before_anything_is_copied(
    http: httpx.Client, s3: S3Server
) -> None:
    """A store that does not hold parts to their signed length (moto) still gets no more than the upload limit
    kept: the server sums the parts the store lists before it completes the upload."""
    size = 3 * S3_PART_BYTES
    digest = hashlib.sha256(b"anything").hexdigest()
    offer = http.post(f"/files/sha256/{digest}/upload", json={"size": size}).json()
    with httpx.Client(timeout=60) as anonymous:
        for part in offer["parts"]:
            oversized = os.urandom(part["size"] + 3 * 1024 * 1024)
            assert anonymous.put(part["url"], content=oversized).status_code == 200
    refused = http.post(f"/files/sha256/{digest}/upload/{offer['upload']}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert not [name for name in stored(s3) if digest in name]
    assert not s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")


def test_uploads_offered_and_never_finished_are_removed_by_the_sweep(
    http: httpx.Client, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an abandoned offer leaves — a staging object, a multipart upload with a part — goes when it is older
    than the sweep's age (here: any age), through the server's own store code against the real bucket."""
    import asyncio

    from server.blobs import S3BlobStore

    small, large = b"put and never finished", os.urandom(S3_PART_BYTES + 10)
    offers = [
        http.post(f"/files/sha256/{hashlib.sha256(body).hexdigest()}/upload", json={"size": len(body)}).json()
        for body in (small, large)
    ]
    with httpx.Client(timeout=60) as anonymous:
        assert anonymous.put(offers[0]["url"], content=small, headers=offers[0]["headers"]).status_code == 200
        first = offers[1]["parts"][0]
        assert anonymous.put(first["url"], content=large[: first["size"]]).status_code == 200
    assert [name for name in stored(s3) if "/uploads/" in name]
    assert s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")
    for name, value in s3.environment.items():
        monkeypatch.setenv(name, value)
    store = S3BlobStore(f"s3://{S3_BUCKET}/{S3_PREFIX}", s3.url)
    assert asyncio.run(store.remove_abandoned(older_than=3600)) == 0, "younger than the age: kept"
    assert asyncio.run(store.remove_abandoned(older_than=-7200)) == 2
    assert not [name for name in stored(s3) if "/uploads/" in name]
    assert not s3.client().list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads")
