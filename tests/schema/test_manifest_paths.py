"""Manifest paths are normalised relative POSIX paths that every client can write inside its download folder."""

from __future__ import annotations

import pytest
from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient

LOG = "mutation($i: LogArtifactInput!) { logArtifact(input: $i) { artifact { files { path } } } }"
NORMALISED = "must be a normalised relative POSIX path"


@pytest.mark.parametrize(
    ("paths", "index", "rule"),
    [
        (["."], 0, "it has a '.' or '..' segment"),
        ([".."], 0, "it has a '.' or '..' segment"),
        (["x", "./x"], 1, "it has a '.' or '..' segment"),
        (["a/./b"], 0, "it has a '.' or '..' segment"),
        (["a/../../etc/passwd"], 0, "it has a '.' or '..' segment"),
        (["/etc/passwd"], 0, "it is absolute (starts with '/')"),
        (["a\\b"], 0, "it holds a backslash (use '/')"),
        (["ok", "a//b"], 1, "it has an empty segment ('//' or a trailing '/')"),
        (["a/"], 0, "it has an empty segment ('//' or a trailing '/')"),
        (["a\x00b"], 0, "it holds a NUL character"),
    ],
)
def test_paths_that_are_not_normalised_are_refused_naming_the_entry(
    api: GraphQLClient, driver: Driver, paths: list[str], index: int, rule: str
) -> None:
    run = Builder(api).run("r1")
    digest = api.put_file(b"content")
    files = [{"path": path, "digest": digest, "size": 7} for path in paths]
    error = api.error(LOG, i={"runId": run, "name": "tree", "type": "dataset", "files": files})
    field = f"input.files[{index}].path"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"] == f"{field} {NORMALISED}; {rule}; got {paths[index]!r}"
    assert driver.execute_query("MATCH (v:ArtifactVersion) RETURN count(v) AS n").records[0]["n"] == 0


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["a", "a/b"], "input.files[1].path 'a/b' needs a folder 'a', which input.files[0].path names as a file"),
        (["a/b/c", "x", "a"], "input.files[0].path 'a/b/c' needs a folder 'a', which input.files[2].path names"),
        (["x", "x"], "input.files[1].path 'x' appears twice (also input.files[0].path)"),
    ],
)
def test_a_path_that_is_both_a_file_and_a_folder_or_repeated_is_refused(
    api: GraphQLClient, paths: list[str], message: str
) -> None:
    run = Builder(api).run("r1")
    digest = api.put_file(b"content")
    files = [{"path": path, "digest": digest, "size": 7} for path in paths]
    error = api.error(LOG, i={"runId": run, "name": "tree", "type": "dataset", "files": files})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": message.split(" ")[0]}
    assert error["message"].startswith(message)


def test_nested_and_sibling_paths_are_accepted(api: GraphQLClient) -> None:
    run = Builder(api).run("r1")
    digest = api.put_file(b"content")
    paths = ["ab", "a/b", "a/c/d", "a.b", ".hidden", "a/..b"]
    files = [{"path": path, "digest": digest, "size": 7} for path in paths]
    logged = api.query(LOG, i={"runId": run, "name": "tree", "type": "dataset", "files": files})
    assert [file["path"] for file in logged["logArtifact"]["artifact"]["files"]] == sorted(paths)
