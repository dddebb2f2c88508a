"""Golden translation of `search`: the request in, the exact Cypher and parameters out (run against Neo4j in
tests/schema/test_search.py)."""

from __future__ import annotations

from cypher.paging import encode_cursor
from cypher.printer import Limits
from cypher.search import compile_search
from schema.build import schema
from schema.selection import root_selections
from tests.cypher.test_printer import CALLER

RANK = (
    "CASE WHEN toLower(coalesce(x.name, '')) = $p0 OR toLower(coalesce(x.run_id, '')) = $p0 THEN 3 "
    "WHEN toLower(coalesce(x.name, '')) STARTS WITH $p0 OR toLower(coalesce(x.run_id, '')) STARTS WITH $p0 THEN 2 "
    "ELSE 1 END"
)


def test_runs_by_name_after_a_cursor_keep_to_the_callers_entities_and_their_best_visible_matches() -> None:
    after = encode_cursor([2, "rural-feather-20", "Run:zoo-team/zoo/rf20"])
    [selection] = root_selections(
        schema._schema,
        f'{{ search(query: " Rural F", kinds: [RUN], first: 2, after: "{after}") '
        "{ totalCount edges { cursor matched node { ... on Run { ref name } } } } }",
    )
    statement = compile_search(selection, CALLER, Limits())
    assert statement.text == (
        "CALL () { CALL db.index.fulltext.queryNodes('search_runs', $p2) YIELD node AS x "
        "WITH x WHERE ($caller.superuser OR x.entity IN $caller.read) "
        f"RETURN 'Run' AS kind, x, null AS r, null AS c, {RANK} AS rank, coalesce(x.name, x.run_id) AS text, "
        "x.id AS key LIMIT $p1 } "
        "WITH kind, key, x, r, c, rank, text ORDER BY rank DESC, text "
        "WITH kind, key, x, r, c, max(rank) AS rank, head(collect(text)) AS matched "
        "WITH collect({m: {rank: rank, text: toLower(matched), key: kind + ':' + key}, matched: matched, "
        "kind: kind, x: x, r: r, c: c}) AS hits "
        "RETURN {total_count: size(hits), edges: COLLECT { UNWIND hits AS hit "
        "WITH hit.m AS m, hit.matched AS matched, hit.kind AS kind, hit.x AS x, hit.r AS r, hit.c AS c "
        "WHERE ((m.rank < $p3) OR (m.rank = $p3 AND m.text > $p4) OR (m.rank = $p3 AND m.text = $p4 AND m.key > $p5)) "
        "ORDER BY m.rank DESC, m.text ASC, m.key ASC LIMIT $p6 "
        "RETURN {cursor: [m.rank, m.text, m.key], matched: matched, "
        "node: CASE kind WHEN 'Run' THEN {__typename: 'Run', `ref`: x.id, `name`: x.name} END} }} AS result"
    )
    assert {name: value for name, value in statement.params.items() if name != "caller"} == {
        "p0": "rural f",
        "p1": 1000,
        "p2": "+(name:(rural^3 OR rural*^2 OR *rural*) OR run_id:(rural^3 OR rural*^2 OR *rural*)) "
        '+(name:(f^3 OR f*^2) OR run_id:(f^3 OR f*^2)) +entity:("zoo\\-team")',
        "p3": 2,
        "p4": "rural-feather-20",
        "p5": "Run:zoo-team/zoo/rf20",
        "p6": 3,
    }


def test_a_caller_of_no_entity_reads_no_index() -> None:
    [selection] = root_selections(schema._schema, '{ search(query: "zoo") { totalCount } }')
    statement = compile_search(selection, {"user": "nobody", "superuser": False, "read": []}, Limits())
    assert statement.text == "RETURN {total_count: 0, edges: []} AS result"
