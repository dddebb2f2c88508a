"""Defaults as W&B has them: the key's user's default entity, and short references read against the Api's
`overrides` (entity, project) or that default."""

from __future__ import annotations

from pathlib import Path

import pytest
import stemma

from tests.client import GraphQLClient
from tests.schema.test_roles import ADD_MEMBER, NEW_KEY
from tests.sdk.conftest import write

ME = "{ me { user defaultEntity } }"


def key_of(api: GraphQLClient, user: str, roles: dict[str, str]) -> str:
    for entity, role in roles.items():
        api.query(ADD_MEMBER, e=entity, u=user, r=role)
    key: str = api.query(NEW_KEY, u=user)["createApiKey"]["key"]
    return key


def test_the_default_entity_is_the_one_named_like_the_user_or_their_only_one(api: GraphQLClient, server: str) -> None:
    cases = {
        "noor": ({"noor": "ADMIN", "vision-lab": "MEMBER"}, "noor"),
        "ravi": ({"vision-lab": "MEMBER"}, "vision-lab"),
        "sana": ({"vision-lab": "MEMBER", "nlp-lab": "MEMBER"}, None),
        "omar": ({"nlp-lab": "VIEWER"}, None),
    }
    for user, (roles, expected) in cases.items():
        client = GraphQLClient(server, key=key_of(api, user, roles))
        try:
            assert client.query(ME)["me"] == {"user": user, "defaultEntity": expected}
        finally:
            client.http.close()


def test_init_without_an_entity_uses_the_key_s_default_and_short_refs_resolve(
    api: GraphQLClient, stemma_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STEMMA_API_KEY", key_of(api, "ravi", {"vision-lab": "MEMBER"}))
    with stemma.init(project="detector") as run:
        run.log_artifact(write(tmp_path / "w.bin", b"weights"), name="yolo", type="model")
    assert (run.entity, run.project) == ("vision-lab", "detector")
    found = stemma.Api(overrides={"project": "detector"}).artifact("yolo:v0")
    assert found.ref == "vision-lab/detector/yolo:v0"
    also = stemma.Api(overrides={"entity": "vision-lab", "project": "detector"}).artifact("yolo")
    assert also.ref == found.ref


def test_with_no_default_entity_init_says_what_to_do(
    api: GraphQLClient, stemma_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEMMA_API_KEY", key_of(api, "sana", {"vision-lab": "MEMBER", "nlp-lab": "MEMBER"}))
    with pytest.raises(stemma.UsageError, match="an entity is required: pass entity="):
        stemma.init(project="detector")
    with pytest.raises(stemma.UsageError, match="overrides takes entity, project and base_url; got team"):
        stemma.Api(overrides={"team": "x"})


def test_login_keeps_the_key_for_later_runs_once_the_server_accepts_it(
    api: GraphQLClient, stemma_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "absent-config.toml"  # the fixture's STEMMA_CONFIG
    key = key_of(api, "ravi", {"vision-lab": "MEMBER"})
    monkeypatch.delenv("STEMMA_API_KEY")
    monkeypatch.delenv("STEMMA_BASE_URL")
    with pytest.raises(stemma.Unauthenticated):
        stemma.login(key="stm_wrong", host=stemma_server)
    assert not config.exists()
    assert stemma.login(key=key, host=stemma_server)
    assert config.stat().st_mode & 0o777 == 0o600
    with stemma.init(project="detector") as run:  # key, server and default entity all from the login
        run.log({"loss": 1.0})
    assert run.entity == "vision-lab"
    assert stemma.login()  # a key is set: nothing to do
