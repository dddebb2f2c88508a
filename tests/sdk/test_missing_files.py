"""Which contents must be uploaded: the `missingFiles` query answers as logArtifact judges a manifest (the caller
holds content they uploaded or can read in a version), says nothing of content that is not theirs, and the SDK
asks it once per 10,000 digests instead of sending one HEAD per file."""

from __future__ import annotations

import hashlib

import pytest
from stemma.client import GraphQLClient as SdkClient
from stemma.settings import Settings
from stemma.transfer import Transfer

from tests.client import GraphQLClient
from tests.schema import test_content
from tests.schema.test_content import DIGEST, Tenants
from tests.sdk.conftest import requests_answered, requests_since

ABSENT = hashlib.sha256(b"stored nowhere").hexdigest()
MISSING = "query($digests: [String!]!) { missingFiles(digests: $digests) }"
# ana (acme) uploaded and logged DIGEST; vic is a member of acme; bob of globex.
tenants = test_content.tenants


def missing(client: GraphQLClient, digests: list[str]) -> list[str]:
    answer: list[str] = client.query(MISSING, digests=digests)["missingFiles"]
    return answer


def head(client: GraphQLClient, digest: str) -> int:
    return client.http.head(f"/files/sha256/{digest}").status_code


def test_content_stored_but_not_yours_is_missing_exactly_like_content_never_stored(tenants: Tenants) -> None:
    assert missing(tenants.bob, [DIGEST, ABSENT]) == [DIGEST, ABSENT]
    assert (head(tenants.bob, DIGEST), head(tenants.bob, ABSENT)) == (404, 404)  # what HEAD says too


def test_content_you_can_read_in_a_version_is_not_missing(tenants: Tenants) -> None:
    assert missing(tenants.vic, [DIGEST, ABSENT]) == [ABSENT]
    assert (head(tenants.vic, DIGEST), head(tenants.vic, ABSENT)) == (200, 404)


def test_content_you_uploaded_is_not_missing_to_you_and_still_missing_to_others(tenants: Tenants) -> None:
    mine = tenants.bob.put_file(b"bob's own notes, in no version yet")
    assert missing(tenants.bob, [mine]) == []
    assert missing(tenants.vic, [mine]) == [mine]


def test_a_superuser_is_asked_only_for_content_not_stored(tenants: Tenants, api: GraphQLClient) -> None:
    assert missing(api, [DIGEST, ABSENT]) == [ABSENT]


def test_each_digest_is_answered_once_in_the_order_given(tenants: Tenants) -> None:
    other = hashlib.sha256(b"also nowhere").hexdigest()
    assert missing(tenants.bob, [other, DIGEST, other, ABSENT]) == [other, DIGEST, ABSENT]
    assert missing(tenants.bob, []) == []


@pytest.mark.parametrize(
    ("digests", "field", "message"),
    [
        ([ABSENT, ABSENT.upper()], "digests[1]", "digests[1] must be 64 lowercase hex characters (sha256)"),
        ([ABSENT[:63]], "digests[0]", "digests[0] must be 64 lowercase hex characters (sha256)"),
        ([ABSENT] * 10_001, "digests", "digests lists 10001 digests; at most 10000 are allowed"),
    ],
)
def test_a_bad_list_of_digests_is_refused_naming_the_argument(
    tenants: Tenants, digests: list[str], field: str, message: str
) -> None:
    refused = tenants.bob.error(MISSING, digests=digests)
    assert (refused["message"], refused["extensions"]) == (message, {"code": "BAD_USER_INPUT", "field": field})


def test_ten_thousand_digests_are_answered_in_one_request(tenants: Tenants) -> None:
    digests = [hashlib.sha256(str(index).encode()).hexdigest() for index in range(10_000)]
    assert missing(tenants.bob, digests) == digests


def test_the_sdk_asks_once_per_ten_thousand_digests(stemma_server: str) -> None:
    digests = [hashlib.sha256(f"nowhere {index}".encode()).hexdigest() for index in range(10_001)]
    client = SdkClient(Settings.resolve())
    before = requests_answered(stemma_server)
    assert Transfer(client).missing(digests) == set(digests)
    client.close()
    assert requests_since(stemma_server, before) == {("POST", "/graphql", "200"): 2}
