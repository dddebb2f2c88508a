"""Golden translations of lineage questions: a GraphQL request in, the exact Cypher and parameters out.

The same kinds of requests run against Neo4j in tests/schema/test_lineage*.py; these pin what the compiler writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cypher.access import Caller
from cypher.clusters import compile_cluster_page
from cypher.executor import Statement
from cypher.lineage import compile_impact, compile_lineage, compile_path
from cypher.printer import Limits
from schema.build import schema
from schema.selection import root_selections

CALLER = Caller("ana", roles={"zoo-team": "member"}).param()
COMPILERS = {
    "lineage": compile_lineage,
    "lineagePath": compile_path,
    "impact": compile_impact,
    "lineageCluster": compile_cluster_page,
}


def compile_request(query: str) -> Statement:
    [field] = root_selections(schema._schema, query)
    return COMPILERS[field.name](field, CALLER, Limits())


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_lineage_in_both_directions_expands_each_side_level_by_level() -> None:
    """Depth 1, BOTH, asOf: the root's MATCH, then the level step, a `reduce` over the levels that expands each
    side once (every neighbour as it stood at asOf grouped into clusters and small groups, admission under
    maxNodes) and reads the same at every depth, then nodes, edges and clusters projected."""
    statement = compile_request(
        """{ lineage(ref: "zoo-team/zoo/model:v1", depth: 1, clusterThreshold: 3, maxNodes: 50, asOf:
           "2026-01-01T00:00:00Z") { root { ... on ArtifactVersion { ref } } nodes { __typename ... on Run {
           name jobType } ... on ArtifactVersion { versionName } ... on RedactedNode { kind } } edges { kind
           from to at alias created } clusters { id count jobType } truncated } }"""
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) WHERE ($caller.superuser OR "
        "c1.entity IN $caller.read) MATCH (root:ArtifactVersion {collection_id: c1.id, version: $p3}) WHERE "
        "($caller.superuser OR root.entity IN $caller.read)\n"
        "WITH root, reduce(acc = {seen_up: [root], seen_down: [root], frontier_up: [root], frontier_down: "
        "[root], found: [{n: root, depth: 0}], clusters: [], cut: false}, level IN range(1, $depth) | COLLECT {\n"
        "  WITH acc AS s0, level, level < $depth AS leaves\n"
        "  WITH s0, level, leaves, s0.frontier_up AS frontier, s0.seen_up AS seen\n"
        "  WITH s0, level, leaves, seen, COLLECT {\n"
        "    UNWIND frontier AS p\n"
        "    WITH p, COLLECT {\n"
        "      MATCH (p)<-[e:USED_BY|LOGGED]-(n) WHERE e.at <= $as_of AND n.created_at <= $as_of\n"
        "      RETURN {n: n, grp: CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' "
        "WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run "
        "THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END, onward: leaves AND "
        "EXISTS { MATCH (n)<-[x:USED_BY|LOGGED]-(m) WHERE x.at <= $as_of AND m.created_at <= $as_of }}\n"
        "    } AS members\n"
        "    RETURN {p: p, members: members, groups: COLLECT {\n"
        "      MATCH (p)<-[e:USED_BY|LOGGED]-(n) WHERE e.at <= $as_of AND n.created_at <= $as_of\n"
        "      WITH DISTINCT CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' WHEN "
        "n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run THEN "
        "'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END AS grp\n"
        "      ORDER BY grp\n"
        "      WITH grp, COUNT {\n"
        "        MATCH (p)<-[e:USED_BY|LOGGED]-(n) WHERE e.at <= $as_of AND n.created_at <= $as_of AND CASE WHEN "
        "NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' WHEN n:Run AND n.group IS NOT NULL "
        "THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run THEN 'job:' + coalesce(n.job_type, "
        "'') ELSE 'collection:' + n.collection_id END = grp AND NOT (leaves AND EXISTS { MATCH "
        "(n)<-[x:USED_BY|LOGGED]-(m) WHERE x.at <= $as_of AND m.created_at <= $as_of })\n"
        "      } AS count\n"
        "      WHERE count > 0\n"
        "      RETURN {grp: grp, count: count}\n"
        "    }}\n"
        "  } AS grouped\n"
        "  WITH s0, level, leaves, seen, grouped, reduce(picked = [], g IN grouped | picked + [m IN g.members\n"
        "    WHERE m.onward OR coalesce([c IN g.groups WHERE c.grp = m.grp][0].count, 0) <= $threshold | m.n]) "
        "AS candidates\n"
        "  WITH s0, level, leaves, grouped, COLLECT {\n"
        "    UNWIND candidates AS n\n"
        "    WITH n WHERE NOT n IN seen\n"
        "    WITH DISTINCT n ORDER BY n.created_at, n.id\n"
        "    RETURN n\n"
        "  } AS fresh\n"
        "  WITH s0, level, leaves, grouped, fresh, $max_nodes - size(s0.seen_up) - size(s0.seen_down) + 1 AS "
        "room\n"
        "  WITH s0, level, leaves, grouped, fresh, CASE WHEN room > 0 THEN room ELSE 0 END AS room\n"
        "  WITH level, leaves, s0 {.*,\n"
        "    seen_up: s0.seen_up + fresh[0..room], frontier_up: fresh[0..room],\n"
        "    found: s0.found + [n IN fresh[0..room] | {n: n, depth: level}],\n"
        "    clusters: reduce(cs = s0.clusters, g IN grouped | cs + [c IN g.groups WHERE c.count > $threshold |\n"
        "      {parent: g.p, side: 'UPSTREAM', grp: c.grp, count: c.count, leaves: leaves}]),\n"
        "    cut: s0.cut OR size(fresh) > room} AS s1\n"
        "  WITH s1, level, leaves, s1.frontier_down AS frontier, s1.seen_down AS seen\n"
        "  WITH s1, level, leaves, seen, COLLECT {\n"
        "    UNWIND frontier AS p\n"
        "    WITH p, COLLECT {\n"
        "      MATCH (p)-[e:USED_BY|LOGGED]->(n) WHERE e.at <= $as_of AND n.created_at <= $as_of\n"
        "      RETURN {n: n, grp: CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' "
        "WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run "
        "THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END, onward: leaves AND "
        "EXISTS { MATCH (n)-[x:USED_BY|LOGGED]->(m) WHERE x.at <= $as_of AND m.created_at <= $as_of }}\n"
        "    } AS members\n"
        "    RETURN {p: p, members: members, groups: COLLECT {\n"
        "      MATCH (p)-[e:USED_BY|LOGGED]->(n) WHERE e.at <= $as_of AND n.created_at <= $as_of\n"
        "      WITH DISTINCT CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' WHEN "
        "n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run THEN "
        "'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END AS grp\n"
        "      ORDER BY grp\n"
        "      WITH grp, COUNT {\n"
        "        MATCH (p)-[e:USED_BY|LOGGED]->(n) WHERE e.at <= $as_of AND n.created_at <= $as_of AND CASE WHEN "
        "NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' WHEN n:Run AND n.group IS NOT NULL "
        "THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run THEN 'job:' + coalesce(n.job_type, "
        "'') ELSE 'collection:' + n.collection_id END = grp AND NOT (leaves AND EXISTS { MATCH "
        "(n)-[x:USED_BY|LOGGED]->(m) WHERE x.at <= $as_of AND m.created_at <= $as_of })\n"
        "      } AS count\n"
        "      WHERE count > 0\n"
        "      RETURN {grp: grp, count: count}\n"
        "    }}\n"
        "  } AS grouped\n"
        "  WITH s1, level, leaves, seen, grouped, reduce(picked = [], g IN grouped | picked + [m IN g.members\n"
        "    WHERE m.onward OR coalesce([c IN g.groups WHERE c.grp = m.grp][0].count, 0) <= $threshold | m.n]) "
        "AS candidates\n"
        "  WITH s1, level, leaves, grouped, COLLECT {\n"
        "    UNWIND candidates AS n\n"
        "    WITH n WHERE NOT n IN seen\n"
        "    WITH DISTINCT n ORDER BY n.created_at, n.id\n"
        "    RETURN n\n"
        "  } AS fresh\n"
        "  WITH s1, level, leaves, grouped, fresh, $max_nodes - size(s1.seen_up) - size(s1.seen_down) + 1 AS "
        "room\n"
        "  WITH s1, level, leaves, grouped, fresh, CASE WHEN room > 0 THEN room ELSE 0 END AS room\n"
        "  WITH level, leaves, s1 {.*,\n"
        "    seen_down: s1.seen_down + fresh[0..room], frontier_down: fresh[0..room],\n"
        "    found: s1.found + [n IN fresh[0..room] | {n: n, depth: level}],\n"
        "    clusters: reduce(cs = s1.clusters, g IN grouped | cs + [c IN g.groups WHERE c.count > $threshold |\n"
        "      {parent: g.p, side: 'DOWNSTREAM', grp: c.grp, count: c.count, leaves: leaves}]),\n"
        "    cut: s1.cut OR size(fresh) > room} AS s2\n"
        "  RETURN s2\n"
        "}[0]) AS cone\n"
        "WITH root, cone.found AS found, cone.clusters AS clusters, cone.cut AS cut\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH f.n AS n, min(f.depth) AS depth\n"
        "  ORDER BY depth, n.created_at, n.id\n"
        "  RETURN collect(CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR n.entity IN $caller.read) THEN n.id ELSE "
        "'redacted:' + elementId(n) END, kind: CASE WHEN n:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN n:Run THEN "
        "{__typename: 'Run', `name`: n.name, `job_type`: n.job_type} WHEN n:ArtifactVersion THEN {__typename: "
        "'ArtifactVersion', `version_name`: 'v' + toString(n.version)} END) AS node_list\n"
        "}\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH collect(DISTINCT f.n) AS drawn\n"
        "  WITH drawn, [a IN drawn WHERE COUNT { (a)-[:USED_BY|LOGGED]->() } > 1000] AS dense_out\n"
        "  WITH drawn, dense_out,\n"
        "       CASE WHEN size(dense_out) > 0 THEN [b IN drawn WHERE COUNT { (b)<-[:USED_BY|LOGGED]-() } > 1000]\n"
        "       ELSE [] END AS dense_in\n"
        "  CALL (drawn, dense_out, dense_in) {\n"
        "    UNWIND drawn AS a\n"
        "    WITH a, drawn WHERE NOT a IN dense_out\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE b IN drawn AND e.at <= $as_of\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND CASE WHEN size(dense_out) > 0 THEN drawn ELSE [] END AS b\n"
        "    WITH b, dense_out WHERE NOT b IN dense_in\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE a IN dense_out AND e.at <= $as_of\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND dense_out AS a\n"
        "    UNWIND dense_in AS b\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE e.at <= $as_of\n"
        "    RETURN e\n"
        "  }\n"
        "  WITH e, startNode(e) AS a, endNode(e) AS b\n"
        "  ORDER BY e.at, a.id, b.id\n"
        "  RETURN collect({kind: type(e), from_: CASE WHEN ($caller.superuser OR a.entity IN $caller.read) THEN "
        "a.id ELSE 'redacted:' + elementId(a) END, to: CASE WHEN ($caller.superuser OR b.entity IN $caller.read) "
        "THEN b.id ELSE 'redacted:' + elementId(b) END, at: e.at.epochMillis * 1000 + e.at.microsecond % "
        "1000, alias: CASE WHEN ($caller.superuser OR "
        "a.entity IN $caller.read) AND ($caller.superuser OR b.entity IN $caller.read) THEN e.alias END, "
        "created: CASE WHEN ($caller.superuser OR a.entity IN $caller.read) AND ($caller.superuser OR b.entity "
        "IN $caller.read) THEN e.created END}) AS edge_list\n"
        "}\n"
        "CALL (clusters) {\n"
        "  UNWIND range(0, size(clusters) - 1) AS i\n"
        "  WITH i, clusters[i] AS c\n"
        "  OPTIONAL MATCH (ac:ArtifactCollection {id: substring(c.grp, 11)}) WHERE c.grp STARTS WITH "
        "'collection:'\n"
        "  WITH i, c, ac ORDER BY i\n"
        "  RETURN collect({id: CASE WHEN c.parent:Run THEN 'RUN' ELSE 'ARTIFACT' END + ':' + CASE WHEN "
        "($caller.superuser OR c.parent.entity IN $caller.read) THEN c.parent.id ELSE 'redacted:' + "
        "elementId(c.parent) END + '|' + c.side + '|' + c.grp + CASE WHEN c.leaves THEN '|leaves' ELSE '' END, "
        "leaves: c.leaves, parent: CASE WHEN ($caller.superuser OR c.parent.entity IN $caller.read) THEN "
        "c.parent.id ELSE 'redacted:' + elementId(c.parent) END, parent_kind: CASE WHEN c.parent:Run THEN 'RUN' "
        "ELSE 'ARTIFACT' END, side: c.side, count: c.count, edge_kind: CASE WHEN (c.parent:Run) = (c.side = "
        "'UPSTREAM') THEN 'USED_BY' ELSE 'LOGGED' END, kind: CASE WHEN c.parent:Run THEN 'ARTIFACT' ELSE 'RUN' "
        "END, job_type: CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN "
        "c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, '/')[1] END, group: CASE WHEN "
        "c.grp STARTS WITH 'group:' THEN substring(split(c.grp, '/')[0], 6) END, collection: ac.entity + '/' + "
        "ac.project + '/' + ac.name, type: ac.type, description: toString(c.count) + CASE WHEN c.grp = 'hidden:' "
        "THEN CASE WHEN c.parent:Run THEN ' artifact versions' ELSE ' runs' END + ' you cannot see' WHEN c.grp "
        "STARTS WITH 'collection:' THEN ' versions of ' + ac.entity + '/' + ac.project + '/' + ac.name + ' (' + "
        "ac.type + ')' WHEN c.grp STARTS WITH 'group:' THEN ' runs of group ' + CASE WHEN c.grp STARTS WITH "
        "'group:' THEN substring(split(c.grp, '/')[0], 6) END + coalesce(', job type ' + CASE WHEN c.grp STARTS "
        "WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp "
        "ENDS WITH '/' THEN split(c.grp, '/')[1] END, '') WHEN c.grp = 'job:' THEN ' runs without a job type' "
        "ELSE ' runs of job type ' + CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN "
        "substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, "
        "'/')[1] END END}) AS cluster_list\n"
        "}\n"
        "RETURN {root: CASE WHEN NOT ($caller.superuser OR root.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR root.entity IN $caller.read) THEN root.id ELSE "
        "'redacted:' + elementId(root) END, kind: CASE WHEN root:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN "
        "root:Run THEN {__typename: 'Run'} WHEN root:ArtifactVersion THEN {__typename: 'ArtifactVersion', `ref`: "
        "root.entity + '/' + root.project + '/' + root.name + ':v' + toString(root.version)} END, nodes: "
        "node_list, edges: edge_list, truncated: cut, clusters: cluster_list} AS result"
    )
    expected: dict[str, Any] = {
        "p0": "zoo-team",
        "p1": "zoo",
        "p2": "model",
        "p3": 1,
        "threshold": 3,
        "max_nodes": 50,
        "depth": 1,
        "as_of": utc(2026, 1, 1, 0, 0),
    }
    assert statement.params == {"caller": CALLER, **expected}


def test_without_as_of_group_sizes_come_from_the_kept_counts() -> None:
    """The lineage counts the caller may see sum to each group's size; only small groups' members are read,
    so a hub whose groups are all clusters reads no neighbour."""
    statement = compile_request(
        """{ lineage(ref: "zoo-team/zoo/model:v1", direction: DOWNSTREAM, depth: 1, clusterThreshold: 3, maxNodes:
           50) { nodes { __typename ... on Run { name } } clusters { id count jobType collection type } } }"""
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) WHERE ($caller.superuser OR "
        "c1.entity IN $caller.read) MATCH (root:ArtifactVersion {collection_id: c1.id, version: $p3}) WHERE "
        "($caller.superuser OR root.entity IN $caller.read)\n"
        "WITH root, reduce(acc = {seen_up: [root], seen_down: [root], frontier_up: [], frontier_down: [root], "
        "found: [{n: root, depth: 0}], clusters: [], cut: false}, level IN range(1, $depth) | COLLECT {\n"
        "  WITH acc AS s0, level, level < $depth AS leaves\n"
        "  WITH s0, level, leaves, s0.frontier_down AS frontier, s0.seen_down AS seen\n"
        "  WITH s0, level, leaves, frontier, seen, COLLECT {\n"
        "    UNWIND frontier AS p\n"
        "    WITH p, COLLECT {\n"
        "      MATCH (k:LineageCount {node: p.id, side: 'DOWNSTREAM'})\n"
        "        WHERE k.group IS NOT NULL AND k.entity IS NOT NULL AND k.project IS NOT NULL\n"
        "      RETURN {grp: CASE WHEN ($caller.superuser OR k.entity IN $caller.read) THEN k.group ELSE 'hidden:' "
        "END, count: k.count - CASE WHEN leaves THEN coalesce(k.onward, 0) ELSE 0 END}\n"
        "    } AS ks\n"
        "    RETURN {p: p, groups: COLLECT {\n"
        "      UNWIND ks AS k\n"
        "      WITH DISTINCT k.grp AS grp\n"
        "      ORDER BY grp\n"
        "      WITH grp, reduce(total = 0, c IN ks | total + CASE WHEN c.grp = grp THEN c.count ELSE 0 END) AS count\n"
        "      WHERE count > 0\n"
        "      RETURN {grp: grp, count: count}\n"
        "    }}\n"
        "  } AS grouped\n"
        "  WITH s0, level, leaves, frontier, seen, grouped, COLLECT {\n"
        "    UNWIND grouped AS g\n"
        "    WITH g.p AS p, [c IN g.groups WHERE c.count <= $threshold | c.grp] AS wanted\n"
        "    WHERE size(wanted) > 0\n"
        "    MATCH (p)-[e:USED_BY|LOGGED]->(n)\n"
        "    WITH n, wanted WHERE CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' "
        "WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run "
        "THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END IN wanted\n"
        "    RETURN n\n"
        "    UNION ALL\n"
        "    WITH 1 AS one WHERE leaves\n"
        "    UNWIND frontier AS p\n"
        "    CALL (p) {\n"
        "      MATCH (t:LineageOnward {node: p.id, side: 'DOWNSTREAM'}) WHERE t.at IS NOT NULL\n"
        "      WITH t ORDER BY t.node, t.side, t.at, t.neighbour LIMIT $max_nodes + 1\n"
        "      OPTIONAL MATCH (r:Run {id: t.neighbour})\n"
        "      OPTIONAL MATCH (v:ArtifactVersion {id: t.neighbour})\n"
        "      RETURN coalesce(r, v) AS n\n"
        "    }\n"
        "    WITH n WHERE n IS NOT NULL\n"
        "    RETURN n\n"
        "  } AS candidates\n"
        "  WITH s0, level, leaves, grouped, COLLECT {\n"
        "    UNWIND candidates AS n\n"
        "    WITH n WHERE NOT n IN seen\n"
        "    WITH DISTINCT n ORDER BY n.created_at, n.id\n"
        "    RETURN n\n"
        "  } AS fresh\n"
        "  WITH s0, level, leaves, grouped, fresh, $max_nodes - size(s0.seen_up) - size(s0.seen_down) + 1 AS "
        "room\n"
        "  WITH s0, level, leaves, grouped, fresh, CASE WHEN room > 0 THEN room ELSE 0 END AS room\n"
        "  WITH level, leaves, s0 {.*,\n"
        "    seen_down: s0.seen_down + fresh[0..room], frontier_down: fresh[0..room],\n"
        "    found: s0.found + [n IN fresh[0..room] | {n: n, depth: level}],\n"
        "    clusters: reduce(cs = s0.clusters, g IN grouped | cs + [c IN g.groups WHERE c.count > $threshold |\n"
        "      {parent: g.p, side: 'DOWNSTREAM', grp: c.grp, count: c.count, leaves: leaves}]),\n"
        "    cut: s0.cut OR size(fresh) > room} AS s1\n"
        "  RETURN s1\n"
        "}[0]) AS cone\n"
        "WITH root, cone.found AS found, cone.clusters AS clusters, cone.cut AS cut\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH f.n AS n, min(f.depth) AS depth\n"
        "  ORDER BY depth, n.created_at, n.id\n"
        "  RETURN collect(CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR n.entity IN $caller.read) THEN n.id ELSE "
        "'redacted:' + elementId(n) END, kind: CASE WHEN n:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN n:Run THEN "
        "{__typename: 'Run', `name`: n.name} WHEN n:ArtifactVersion THEN {__typename: 'ArtifactVersion'} END) AS "
        "node_list\n"
        "}\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH collect(DISTINCT f.n) AS drawn\n"
        "  WITH drawn, [a IN drawn WHERE COUNT { (a)-[:USED_BY|LOGGED]->() } > 1000] AS dense_out\n"
        "  WITH drawn, dense_out,\n"
        "       CASE WHEN size(dense_out) > 0 THEN [b IN drawn WHERE COUNT { (b)<-[:USED_BY|LOGGED]-() } > 1000]\n"
        "       ELSE [] END AS dense_in\n"
        "  CALL (drawn, dense_out, dense_in) {\n"
        "    UNWIND drawn AS a\n"
        "    WITH a, drawn WHERE NOT a IN dense_out\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE b IN drawn\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND CASE WHEN size(dense_out) > 0 THEN drawn ELSE [] END AS b\n"
        "    WITH b, dense_out WHERE NOT b IN dense_in\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE a IN dense_out\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND dense_out AS a\n"
        "    UNWIND dense_in AS b\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b)\n"
        "    RETURN e\n"
        "  }\n"
        "  WITH e, startNode(e) AS a, endNode(e) AS b\n"
        "  ORDER BY e.at, a.id, b.id\n"
        "  RETURN collect({kind: type(e), from_: CASE WHEN ($caller.superuser OR a.entity IN $caller.read) THEN "
        "a.id ELSE 'redacted:' + elementId(a) END, to: CASE WHEN ($caller.superuser OR b.entity IN $caller.read) "
        "THEN b.id ELSE 'redacted:' + elementId(b) END, at: e.at.epochMillis * 1000 + e.at.microsecond % "
        "1000}) AS edge_list\n"
        "}\n"
        "CALL (clusters) {\n"
        "  UNWIND range(0, size(clusters) - 1) AS i\n"
        "  WITH i, clusters[i] AS c\n"
        "  OPTIONAL MATCH (ac:ArtifactCollection {id: substring(c.grp, 11)}) WHERE c.grp STARTS WITH "
        "'collection:'\n"
        "  WITH i, c, ac ORDER BY i\n"
        "  RETURN collect({id: CASE WHEN c.parent:Run THEN 'RUN' ELSE 'ARTIFACT' END + ':' + CASE WHEN "
        "($caller.superuser OR c.parent.entity IN $caller.read) THEN c.parent.id ELSE 'redacted:' + "
        "elementId(c.parent) END + '|' + c.side + '|' + c.grp + CASE WHEN c.leaves THEN '|leaves' ELSE '' END, "
        "leaves: c.leaves, parent: CASE WHEN ($caller.superuser OR c.parent.entity IN $caller.read) THEN "
        "c.parent.id ELSE 'redacted:' + elementId(c.parent) END, parent_kind: CASE WHEN c.parent:Run THEN 'RUN' "
        "ELSE 'ARTIFACT' END, side: c.side, count: c.count, edge_kind: CASE WHEN (c.parent:Run) = (c.side = "
        "'UPSTREAM') THEN 'USED_BY' ELSE 'LOGGED' END, kind: CASE WHEN c.parent:Run THEN 'ARTIFACT' ELSE 'RUN' "
        "END, job_type: CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN "
        "c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, '/')[1] END, group: CASE WHEN "
        "c.grp STARTS WITH 'group:' THEN substring(split(c.grp, '/')[0], 6) END, collection: ac.entity + '/' + "
        "ac.project + '/' + ac.name, type: ac.type, description: toString(c.count) + CASE WHEN c.grp = 'hidden:' "
        "THEN CASE WHEN c.parent:Run THEN ' artifact versions' ELSE ' runs' END + ' you cannot see' WHEN c.grp "
        "STARTS WITH 'collection:' THEN ' versions of ' + ac.entity + '/' + ac.project + '/' + ac.name + ' (' + "
        "ac.type + ')' WHEN c.grp STARTS WITH 'group:' THEN ' runs of group ' + CASE WHEN c.grp STARTS WITH "
        "'group:' THEN substring(split(c.grp, '/')[0], 6) END + coalesce(', job type ' + CASE WHEN c.grp STARTS "
        "WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp "
        "ENDS WITH '/' THEN split(c.grp, '/')[1] END, '') WHEN c.grp = 'job:' THEN ' runs without a job type' "
        "ELSE ' runs of job type ' + CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN "
        "substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, "
        "'/')[1] END END}) AS cluster_list\n"
        "}\n"
        "RETURN {root: CASE WHEN NOT ($caller.superuser OR root.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR root.entity IN $caller.read) THEN root.id ELSE "
        "'redacted:' + elementId(root) END, kind: CASE WHEN root:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN "
        "root:Run THEN {__typename: 'Run'} WHEN root:ArtifactVersion THEN {__typename: 'ArtifactVersion'} END, "
        "nodes: node_list, edges: edge_list, truncated: cut, clusters: cluster_list} AS result"
    )
    expected: dict[str, Any] = {
        "p0": "zoo-team",
        "p1": "zoo",
        "p2": "model",
        "p3": 1,
        "threshold": 3,
        "max_nodes": 50,
        "depth": 1,
    }
    assert statement.params == {"caller": CALLER, **expected}


def test_a_path_is_one_shortest_path_along_the_arrows() -> None:
    statement = compile_request(
        """{ lineagePath(from: "zoo-team/zoo/data:v0", to: "zoo-team/zoo/r1", maxDepth: 4) { found length nodes
           { ... on Run { name } ... on ArtifactVersion { ref } } edges { kind from to } } }"""
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) WHERE ($caller.superuser OR "
        "c1.entity IN $caller.read) MATCH (a:ArtifactVersion {collection_id: c1.id, version: $p3}) WHERE "
        "($caller.superuser OR a.entity IN $caller.read)\n"
        "WITH a\n"
        "MATCH (b:Run {id: $p4}) WHERE ($caller.superuser OR b.entity IN $caller.read)\n"
        "OPTIONAL MATCH path = shortestPath((a)-[:USED_BY|LOGGED*1..4]->(b)) WHERE a <> b\n"
        "WITH CASE WHEN a = b THEN [a] ELSE coalesce(nodes(path), []) END AS path_nodes, "
        "coalesce(relationships(path), []) AS path_edges\n"
        "RETURN {found: size(path_nodes) > 0, length: size(path_edges), nodes: [n IN path_nodes | CASE WHEN "
        "NOT ($caller.superuser OR n.entity IN $caller.read) THEN {__typename: 'RedactedNode', id: CASE WHEN "
        "($caller.superuser OR n.entity IN $caller.read) THEN n.id ELSE 'redacted:' + elementId(n) END, "
        "kind: CASE WHEN n:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN n:Run THEN {__typename: 'Run', `name`: "
        "n.name} WHEN n:ArtifactVersion THEN {__typename: 'ArtifactVersion', `ref`: n.entity + '/' + "
        "n.project + '/' + n.name + ':v' + toString(n.version)} END], edges: [e IN path_edges | {kind: "
        "type(e), from_: CASE WHEN ($caller.superuser OR startNode(e).entity IN $caller.read) THEN "
        "startNode(e).id ELSE 'redacted:' + elementId(startNode(e)) END, to: CASE WHEN ($caller.superuser OR "
        "endNode(e).entity IN $caller.read) THEN endNode(e).id ELSE 'redacted:' + elementId(endNode(e)) END, "
        "at: e.at.epochMillis * 1000 + e.at.microsecond % 1000}]} AS result"
    )
    expected: dict[str, Any] = {"p0": "zoo-team", "p1": "zoo", "p2": "data", "p3": 0, "p4": "zoo-team/zoo/r1"}
    assert statement.params == {"caller": CALLER, **expected}


def test_impact_lists_registry_links_in_the_downstream_cone() -> None:
    statement = compile_request(
        """{ impact(ref: "zoo-team/zoo/data:latest", depth: 3) { ref linkedAt aliases collection { name }
           artifact { ref } } }"""
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) WHERE ($caller.superuser OR "
        "c1.entity IN $caller.read) MATCH (:Alias {collection_id: c1.id, name: "
        "$p3})-[:POINTS_TO]->(root:ArtifactVersion) WHERE ($caller.superuser OR root.entity IN $caller.read)\n"
        "CALL (root) { MATCH (root)-[:USED_BY|LOGGED*1..3]->(d:ArtifactVersion) RETURN DISTINCT d }\n"
        "MATCH (rc:RegistryCollection)-[l:LINKS]->(d) WHERE ($caller.superuser OR d.entity IN $caller.read) "
        "AND ($caller.superuser OR rc.entity IN $caller.read) AND NOT rc.registry_id IN "
        "$caller.hidden_registries\n"
        "WITH d, rc, l ORDER BY rc.entity, rc.registry, rc.name, l.version DESC\n"
        "RETURN collect({__typename: 'RegistryVersion', `ref`: rc.entity + '/registry-' + rc.registry + '/' "
        "+ rc.name + ':v' + toString(l.version), `linked_at`: l.linked_at.epochMillis * 1000 + "
        "l.linked_at.microsecond % 1000, `aliases`: COLLECT { MATCH "
        "(a2:Alias)-[:POINTS_TO]->(d) WHERE a2.collection_id = rc.id RETURN a2.name ORDER BY a2.name }, "
        "`collection`: {__typename: 'RegistryCollection', `name`: rc.name}, `artifact`: {__typename: "
        "'ArtifactVersion', `ref`: d.entity + '/' + d.project + '/' + d.name + ':v' + toString(d.version)}}) "
        "AS result"
    )
    expected: dict[str, Any] = {"p0": "zoo-team", "p1": "zoo", "p2": "data", "p3": "latest"}
    assert statement.params == {"caller": CALLER, **expected}


def test_a_cluster_page_counts_and_pages_visible_members_after_the_cursor() -> None:
    statement = compile_request(
        """{ lineageCluster(id: "ARTIFACT:zoo-team/zoo/data:v0|DOWNSTREAM|job:train", first: 2, after:
           "WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsInpvby10ZWFtL3pvby9yMSJd", asOf: "2026-02-01T00:00:00Z") {
           totalCount edges { cursor node { ... on Run { name } } edge { kind from to } } pageInfo {
           hasNextPage } } }"""
    )
    assert statement.text == (
        "RETURN {total_count: COUNT { MATCH (p:ArtifactVersion {id: $p2})-[e:USED_BY|LOGGED]->(n) WHERE "
        "n:Run AND n.group IS NULL AND coalesce(n.job_type, '') = $p0 AND ($caller.superuser OR n.entity IN "
        "$caller.read) AND e.at <= $p1 AND n.created_at <= $p1 AND ($caller.superuser OR p.entity IN "
        "$caller.read) }, edges: COLLECT { MATCH (p:ArtifactVersion {id: $p2})-[e:USED_BY|LOGGED]->(n) WHERE "
        "n:Run AND n.group IS NULL AND coalesce(n.job_type, '') = $p0 AND ($caller.superuser OR n.entity IN "
        "$caller.read) AND e.at <= $p1 AND n.created_at <= $p1 AND ($caller.superuser OR p.entity IN "
        "$caller.read) AND ((n.created_at < datetime($p3)) OR (n.created_at = datetime($p3) AND n.id < $p4)) "
        "WITH e, n, startNode(e) AS a, endNode(e) AS b ORDER BY n.created_at DESC, n.id DESC LIMIT $p5 "
        "RETURN {cursor: [toString(n.created_at), n.id], node: CASE WHEN NOT ($caller.superuser OR n.entity "
        "IN $caller.read) THEN {__typename: 'RedactedNode', id: CASE WHEN ($caller.superuser OR n.entity IN "
        "$caller.read) THEN n.id ELSE 'redacted:' + elementId(n) END, kind: CASE WHEN n:Run THEN 'RUN' ELSE "
        "'ARTIFACT' END} WHEN n:Run THEN {__typename: 'Run', `name`: n.name} WHEN n:ArtifactVersion THEN "
        "{__typename: 'ArtifactVersion'} END, edge: {kind: type(e), from_: CASE WHEN ($caller.superuser OR "
        "a.entity IN $caller.read) THEN a.id ELSE 'redacted:' + elementId(a) END, to: CASE WHEN "
        "($caller.superuser OR b.entity IN $caller.read) THEN b.id ELSE 'redacted:' + elementId(b) END, at: "
        "e.at.epochMillis * 1000 + e.at.microsecond % 1000, alias: CASE WHEN ($caller.superuser OR a.entity "
        "IN $caller.read) AND ($caller.superuser OR "
        "b.entity IN $caller.read) THEN e.alias END, created: CASE WHEN ($caller.superuser OR a.entity IN "
        "$caller.read) AND ($caller.superuser OR b.entity IN $caller.read) THEN e.created END}} }} AS result"
    )
    expected: dict[str, Any] = {
        "p0": "train",
        "p1": utc(2026, 2, 1, 0, 0),
        "p2": "zoo-team/zoo/data:v0",
        "p3": "2026-01-01T00:00:00Z",
        "p4": "zoo-team/zoo/r1",
        "p5": 3,
    }
    assert statement.params == {"caller": CALLER, **expected}


def test_every_depth_compiles_to_the_same_text_so_neo4j_plans_it_once() -> None:
    """Depth is a parameter, not more text: planning a text unrolled per level took Neo4j seconds at depth 10
    in both directions, and each depth was planned anew."""
    query = (
        """{{ lineage(ref: "zoo-team/zoo/data:v0", direction: BOTH, depth: {depth}) {{ nodes {{ __typename }} }} }}"""
    )
    shallow, deep = (compile_request(query.format(depth=depth)) for depth in (1, 10))
    assert shallow.text == deep.text
    assert (shallow.params["depth"], deep.params["depth"]) == (1, 10)


def test_below_the_depth_onward_neighbours_are_read_from_their_marks() -> None:
    """Depth 2: at level 1 the view goes on, so a group counts its leaves (counts less their `onward`) and the
    onward neighbours are read from their marks, at most maxNodes + 1 in admission order; level 2 is the
    view's edge (`leaves` is false there), where every member clusters. Edges are then every edge between drawn
    nodes."""
    statement = compile_request(
        """{ lineage(ref: "zoo-team/zoo/data:v0", direction: DOWNSTREAM, depth: 2, clusterThreshold: 3, maxNodes:
           50) { nodes { __typename ... on Run { name group } } edges { kind } clusters { id group description } } }"""
    )
    assert statement.text == (
        "MATCH (c1:ArtifactCollection {entity: $p0, project: $p1, name: $p2}) WHERE ($caller.superuser OR "
        "c1.entity IN $caller.read) MATCH (root:ArtifactVersion {collection_id: c1.id, version: $p3}) WHERE "
        "($caller.superuser OR root.entity IN $caller.read)\n"
        "WITH root, reduce(acc = {seen_up: [root], seen_down: [root], frontier_up: [], frontier_down: [root], "
        "found: [{n: root, depth: 0}], clusters: [], cut: false}, level IN range(1, $depth) | COLLECT {\n"
        "  WITH acc AS s0, level, level < $depth AS leaves\n"
        "  WITH s0, level, leaves, s0.frontier_down AS frontier, s0.seen_down AS seen\n"
        "  WITH s0, level, leaves, frontier, seen, COLLECT {\n"
        "    UNWIND frontier AS p\n"
        "    WITH p, COLLECT {\n"
        "      MATCH (k:LineageCount {node: p.id, side: 'DOWNSTREAM'})\n"
        "        WHERE k.group IS NOT NULL AND k.entity IS NOT NULL AND k.project IS NOT NULL\n"
        "      RETURN {grp: CASE WHEN ($caller.superuser OR k.entity IN $caller.read) THEN k.group ELSE 'hidden:' "
        "END, count: k.count - CASE WHEN leaves THEN coalesce(k.onward, 0) ELSE 0 END}\n"
        "    } AS ks\n"
        "    RETURN {p: p, groups: COLLECT {\n"
        "      UNWIND ks AS k\n"
        "      WITH DISTINCT k.grp AS grp\n"
        "      ORDER BY grp\n"
        "      WITH grp, reduce(total = 0, c IN ks | total + CASE WHEN c.grp = grp THEN c.count ELSE 0 END) AS count\n"
        "      WHERE count > 0\n"
        "      RETURN {grp: grp, count: count}\n"
        "    }}\n"
        "  } AS grouped\n"
        "  WITH s0, level, leaves, frontier, seen, grouped, COLLECT {\n"
        "    UNWIND grouped AS g\n"
        "    WITH g.p AS p, [c IN g.groups WHERE c.count <= $threshold | c.grp] AS wanted\n"
        "    WHERE size(wanted) > 0\n"
        "    MATCH (p)-[e:USED_BY|LOGGED]->(n)\n"
        "    WITH n, wanted WHERE CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN 'hidden:' "
        "WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') WHEN n:Run "
        "THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END IN wanted\n"
        "    RETURN n\n"
        "    UNION ALL\n"
        "    WITH 1 AS one WHERE leaves\n"
        "    UNWIND frontier AS p\n"
        "    CALL (p) {\n"
        "      MATCH (t:LineageOnward {node: p.id, side: 'DOWNSTREAM'}) WHERE t.at IS NOT NULL\n"
        "      WITH t ORDER BY t.node, t.side, t.at, t.neighbour LIMIT $max_nodes + 1\n"
        "      OPTIONAL MATCH (r:Run {id: t.neighbour})\n"
        "      OPTIONAL MATCH (v:ArtifactVersion {id: t.neighbour})\n"
        "      RETURN coalesce(r, v) AS n\n"
        "    }\n"
        "    WITH n WHERE n IS NOT NULL\n"
        "    RETURN n\n"
        "  } AS candidates\n"
        "  WITH s0, level, leaves, grouped, COLLECT {\n"
        "    UNWIND candidates AS n\n"
        "    WITH n WHERE NOT n IN seen\n"
        "    WITH DISTINCT n ORDER BY n.created_at, n.id\n"
        "    RETURN n\n"
        "  } AS fresh\n"
        "  WITH s0, level, leaves, grouped, fresh, $max_nodes - size(s0.seen_up) - size(s0.seen_down) + 1 AS "
        "room\n"
        "  WITH s0, level, leaves, grouped, fresh, CASE WHEN room > 0 THEN room ELSE 0 END AS room\n"
        "  WITH level, leaves, s0 {.*,\n"
        "    seen_down: s0.seen_down + fresh[0..room], frontier_down: fresh[0..room],\n"
        "    found: s0.found + [n IN fresh[0..room] | {n: n, depth: level}],\n"
        "    clusters: reduce(cs = s0.clusters, g IN grouped | cs + [c IN g.groups WHERE c.count > $threshold |\n"
        "      {parent: g.p, side: 'DOWNSTREAM', grp: c.grp, count: c.count, leaves: leaves}]),\n"
        "    cut: s0.cut OR size(fresh) > room} AS s1\n"
        "  RETURN s1\n"
        "}[0]) AS cone\n"
        "WITH root, cone.found AS found, cone.clusters AS clusters, cone.cut AS cut\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH f.n AS n, min(f.depth) AS depth\n"
        "  ORDER BY depth, n.created_at, n.id\n"
        "  RETURN collect(CASE WHEN NOT ($caller.superuser OR n.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR n.entity IN $caller.read) THEN n.id ELSE "
        "'redacted:' + elementId(n) END, kind: CASE WHEN n:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN n:Run THEN "
        "{__typename: 'Run', `name`: n.name, `group`: n.group} WHEN n:ArtifactVersion THEN {__typename: "
        "'ArtifactVersion'} END) AS node_list\n"
        "}\n"
        "CALL (found) {\n"
        "  UNWIND found AS f\n"
        "  WITH collect(DISTINCT f.n) AS drawn\n"
        "  WITH drawn, [a IN drawn WHERE COUNT { (a)-[:USED_BY|LOGGED]->() } > 1000] AS dense_out\n"
        "  WITH drawn, dense_out,\n"
        "       CASE WHEN size(dense_out) > 0 THEN [b IN drawn WHERE COUNT { (b)<-[:USED_BY|LOGGED]-() } > 1000]\n"
        "       ELSE [] END AS dense_in\n"
        "  CALL (drawn, dense_out, dense_in) {\n"
        "    UNWIND drawn AS a\n"
        "    WITH a, drawn WHERE NOT a IN dense_out\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE b IN drawn\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND CASE WHEN size(dense_out) > 0 THEN drawn ELSE [] END AS b\n"
        "    WITH b, dense_out WHERE NOT b IN dense_in\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE a IN dense_out\n"
        "    RETURN e\n"
        "    UNION ALL\n"
        "    UNWIND dense_out AS a\n"
        "    UNWIND dense_in AS b\n"
        "    MATCH (a)-[e:USED_BY|LOGGED]->(b)\n"
        "    RETURN e\n"
        "  }\n"
        "  WITH e, startNode(e) AS a, endNode(e) AS b\n"
        "  ORDER BY e.at, a.id, b.id\n"
        "  RETURN collect({kind: type(e), from_: CASE WHEN ($caller.superuser OR a.entity IN $caller.read) THEN "
        "a.id ELSE 'redacted:' + elementId(a) END, to: CASE WHEN ($caller.superuser OR b.entity IN $caller.read) "
        "THEN b.id ELSE 'redacted:' + elementId(b) END, at: e.at.epochMillis * 1000 + e.at.microsecond % "
        "1000}) AS edge_list\n"
        "}\n"
        "CALL (clusters) {\n"
        "  UNWIND range(0, size(clusters) - 1) AS i\n"
        "  WITH i, clusters[i] AS c\n"
        "  OPTIONAL MATCH (ac:ArtifactCollection {id: substring(c.grp, 11)}) WHERE c.grp STARTS WITH "
        "'collection:'\n"
        "  WITH i, c, ac ORDER BY i\n"
        "  RETURN collect({id: CASE WHEN c.parent:Run THEN 'RUN' ELSE 'ARTIFACT' END + ':' + CASE WHEN "
        "($caller.superuser OR c.parent.entity IN $caller.read) THEN c.parent.id ELSE 'redacted:' + "
        "elementId(c.parent) END + '|' + c.side + '|' + c.grp + CASE WHEN c.leaves THEN '|leaves' ELSE '' END, "
        "leaves: c.leaves, parent: CASE WHEN ($caller.superuser OR c.parent.entity IN $caller.read) THEN "
        "c.parent.id ELSE 'redacted:' + elementId(c.parent) END, parent_kind: CASE WHEN c.parent:Run THEN 'RUN' "
        "ELSE 'ARTIFACT' END, side: c.side, count: c.count, edge_kind: CASE WHEN (c.parent:Run) = (c.side = "
        "'UPSTREAM') THEN 'USED_BY' ELSE 'LOGGED' END, kind: CASE WHEN c.parent:Run THEN 'ARTIFACT' ELSE 'RUN' "
        "END, job_type: CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN "
        "c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, '/')[1] END, group: CASE WHEN "
        "c.grp STARTS WITH 'group:' THEN substring(split(c.grp, '/')[0], 6) END, collection: ac.entity + '/' + "
        "ac.project + '/' + ac.name, type: ac.type, description: toString(c.count) + CASE WHEN c.grp = 'hidden:' "
        "THEN CASE WHEN c.parent:Run THEN ' artifact versions' ELSE ' runs' END + ' you cannot see' WHEN c.grp "
        "STARTS WITH 'collection:' THEN ' versions of ' + ac.entity + '/' + ac.project + '/' + ac.name + ' (' + "
        "ac.type + ')' WHEN c.grp STARTS WITH 'group:' THEN ' runs of group ' + CASE WHEN c.grp STARTS WITH "
        "'group:' THEN substring(split(c.grp, '/')[0], 6) END + coalesce(', job type ' + CASE WHEN c.grp STARTS "
        "WITH 'job:' AND c.grp <> 'job:' THEN substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp "
        "ENDS WITH '/' THEN split(c.grp, '/')[1] END, '') WHEN c.grp = 'job:' THEN ' runs without a job type' "
        "ELSE ' runs of job type ' + CASE WHEN c.grp STARTS WITH 'job:' AND c.grp <> 'job:' THEN "
        "substring(c.grp, 4) WHEN c.grp STARTS WITH 'group:' AND NOT c.grp ENDS WITH '/' THEN split(c.grp, "
        "'/')[1] END END}) AS cluster_list\n"
        "}\n"
        "RETURN {root: CASE WHEN NOT ($caller.superuser OR root.entity IN $caller.read) THEN {__typename: "
        "'RedactedNode', id: CASE WHEN ($caller.superuser OR root.entity IN $caller.read) THEN root.id ELSE "
        "'redacted:' + elementId(root) END, kind: CASE WHEN root:Run THEN 'RUN' ELSE 'ARTIFACT' END} WHEN "
        "root:Run THEN {__typename: 'Run'} WHEN root:ArtifactVersion THEN {__typename: 'ArtifactVersion'} END, "
        "nodes: node_list, edges: edge_list, truncated: cut, clusters: cluster_list} AS result"
    )
    expected: dict[str, Any] = {
        "p0": "zoo-team",
        "p1": "zoo",
        "p2": "data",
        "p3": 0,
        "threshold": 3,
        "max_nodes": 50,
        "depth": 2,
    }
    assert statement.params == {"caller": CALLER, **expected}


def test_a_cluster_of_leaves_pages_through_members_with_no_lineage_beyond() -> None:
    statement = compile_request(
        """{ lineageCluster(id: "ARTIFACT:zoo-team/zoo/data:v0|DOWNSTREAM|group:s-42/train|leaves", first: 2) {
           totalCount edges { node { ... on Run { name } } } } }"""
    )
    assert statement.text == (
        "RETURN {total_count: COUNT { MATCH (p:ArtifactVersion {id: $p2})-[e:USED_BY|LOGGED]->(n) WHERE "
        "n:Run AND n.group = $p0 AND coalesce(n.job_type, '') = $p1 AND ($caller.superuser OR n.entity IN "
        "$caller.read) AND NOT EXISTS { (n)-[:USED_BY|LOGGED]->() } AND ($caller.superuser OR p.entity IN "
        "$caller.read) }, edges: COLLECT { MATCH (p:ArtifactVersion {id: $p2})-[e:USED_BY|LOGGED]->(n) WHERE "
        "n:Run AND n.group = $p0 AND coalesce(n.job_type, '') = $p1 AND ($caller.superuser OR n.entity IN "
        "$caller.read) AND NOT EXISTS { (n)-[:USED_BY|LOGGED]->() } AND ($caller.superuser OR p.entity IN "
        "$caller.read) WITH e, n, startNode(e) AS a, endNode(e) AS b ORDER BY n.created_at DESC, n.id DESC "
        "LIMIT $p3 RETURN {cursor: [toString(n.created_at), n.id], node: CASE WHEN NOT ($caller.superuser OR "
        "n.entity IN $caller.read) THEN {__typename: 'RedactedNode', id: CASE WHEN ($caller.superuser OR "
        "n.entity IN $caller.read) THEN n.id ELSE 'redacted:' + elementId(n) END, kind: CASE WHEN n:Run THEN "
        "'RUN' ELSE 'ARTIFACT' END} WHEN n:Run THEN {__typename: 'Run', `name`: n.name} WHEN "
        "n:ArtifactVersion THEN {__typename: 'ArtifactVersion'} END, edge: {kind: type(e), from_: CASE WHEN "
        "($caller.superuser OR a.entity IN $caller.read) THEN a.id ELSE 'redacted:' + elementId(a) END, to: "
        "CASE WHEN ($caller.superuser OR b.entity IN $caller.read) THEN b.id ELSE 'redacted:' + elementId(b) "
        "END, at: e.at.epochMillis * 1000 + e.at.microsecond % 1000, alias: CASE WHEN ($caller.superuser OR "
        "a.entity IN $caller.read) AND "
        "($caller.superuser OR b.entity IN $caller.read) THEN e.alias END, created: CASE WHEN "
        "($caller.superuser OR a.entity IN $caller.read) AND ($caller.superuser OR b.entity IN $caller.read) "
        "THEN e.created END}} }} AS result"
    )
    expected: dict[str, Any] = {"p0": "s-42", "p1": "train", "p2": "zoo-team/zoo/data:v0", "p3": 3}
    assert statement.params == {"caller": CALLER, **expected}
