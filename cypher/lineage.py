"""Lineage: the cone of runs and artifact versions around a root, answered in one statement.

Traversal. Edges point the way data flows (`(:ArtifactVersion)-[:USED_BY]->(:Run)`,
`(:Run)-[:LOGGED]->(:ArtifactVersion)`), so DOWNSTREAM follows arrows and
UPSTREAM goes against them; BOTH is the union of those two cones, not an
undirected walk. The cone is expanded level by level (breadth first): level k
holds the nodes first reached k edges from the root, so a node's depth is its
shortest distance. Only distinct, not-yet-seen nodes join the next frontier, so
the work per level is the edges of the frontier — never the number of paths —
and cycles end because a node is admitted once.

Clusters. At each frontier node, neighbours on the expanding side are grouped:
runs by their `group` (a sweep, say) and job type, or by job type alone when
they have no group; versions by collection. Where the view goes on past a level
(below `depth`), clusters hold leaves only: a neighbour whose lineage goes on
beyond it on that side (a run that logged something, seen downstream; a version
something used) is onward and always drawn, whatever its group, so the real story
never folds away. At the last level nothing beyond is drawn, so every member
clusters; a cluster id says which it is (`|leaves`). A group of more than
`clusterThreshold` (leaves) becomes one cluster (parent, side, group, count) and
is not expanded further; `lineageCluster`
(`clusters.py`) pages through its members. Nodes the caller may not see form a
group of their own ("hidden"), counted but never paged and never mixed with
visible ones, so no cluster tells their job type or collection. Group sizes come
from counts the write path keeps per (node, side, group, the neighbours' entity
and project), migration 0007, less the onward neighbours, which the write path
marks (migration 0008): a hub's clusters cost a few counts and its onward
neighbours, not a read of every neighbour, and only small groups are read. With
`asOf` every neighbour is read instead, since counts and marks know only the
present.

Edges. The answer holds every lineage edge whose two ends are both in it, found
once the nodes are known: an edge the expansion did not walk (between two nodes
of one level, or back from a deeper node) is shown too.

Bounds. `depth` counts edges from the root; at most `maxNodes` nodes are
admitted, breadth first, and `truncated` says when some were left out. `asOf`
leaves out edges and nodes created after that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.ids import as_global_id
from cypher.lineage_answer import cluster_map, edge_map, project_node, seen, selected_extras
from cypher.printer import Limits, Scope, project
from cypher.reads import match_version
from cypher.refs import is_run_ref, parse_artifact_ref, parse_run_id
from cypher.rules import Vars
from cypher.selection import Field, by_name

LINEAGE_EDGES = "USED_BY|LOGGED"
SIDES = ("UPSTREAM", "DOWNSTREAM")
DENSE = 1000  # edges on one side beyond which a drawn node's edges are not read one by one


@dataclass(frozen=True)
class LineageRequest:
    """Checked arguments of a lineage question."""

    direction: str
    depth: int
    cluster_threshold: int
    max_nodes: int
    as_of: Any | None

    @property
    def sides(self) -> tuple[str, ...]:
        return SIDES if self.direction == "BOTH" else (self.direction,)


def check_request(args: Mapping[str, Any], limits: Limits) -> LineageRequest:
    """Depth, node and cluster caps are refused when exceeded, never clipped. Arguments come coerced, with the
    schema's defaults filled in (schema/queries.py declares them, once)."""
    depth = _bounded(args["depth"], 1, limits.lineage_max_depth, "depth")
    max_nodes = _bounded(args["maxNodes"], 1, limits.lineage_max_nodes, "maxNodes")
    threshold = _bounded(args["clusterThreshold"], 1, limits.lineage_max_cluster_threshold, "clusterThreshold")
    direction = str(args["direction"])
    if direction not in (*SIDES, "BOTH"):
        raise InvalidInput("direction must be UPSTREAM, DOWNSTREAM or BOTH", field="direction")
    return LineageRequest(direction, depth, threshold, max_nodes, args.get("asOf"))


def _bounded(value: Any, low: int, high: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"{field} must be between {low} and {high} (the server's limit); got {value}", field=field, limit=high
        )
    return value


def match_root(ref: str, scope: Scope, field: str = "ref", var: str = "root") -> str:
    """MATCH binding `var` to an artifact version (any ref form, or its global id) or a run (ENTITY/PROJECT/RUN_ID,
    or its global id)."""
    found = as_global_id(ref, field)
    if found is not None:
        type_name, (key, *_) = found
        if type_name not in ("Run", "ArtifactVersion"):
            raise InvalidInput(
                f"{field}: the id of a {type_name}; lineage starts at a run or artifact version", field=field
            )
        return f"MATCH ({var}:{type_name} {{id: {scope.param(key)}}}) WHERE {visible(type_name, Vars(var))}"
    if is_run_ref(ref):
        parse_run_id(ref, field)
        return f"MATCH ({var}:Run {{id: {scope.param(ref)}}}) WHERE {visible('Run', Vars(var))}"
    return match_version(parse_artifact_ref(ref, field), scope, var=var)


def compile_lineage(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """The whole lineage answer (root, nodes, edges, clusters, truncated) as one statement.

    The levels are a `reduce` over `range(1, $depth)` whose step expands each side once (UPSTREAM against the
    arrows, DOWNSTREAM with them, BOTH one after the other), so the statement's text, and the plan Neo4j keeps
    for it, are the same at every depth: a text unrolled per level took Neo4j seconds to plan at depth 10.
    Level k admits the nodes first reached k edges from the root on that side; a node already seen on that
    side is never admitted again, which is how cycles end. Neo4j refuses aggregating functions inside
    `reduce`, so the step groups and sums with subquery expressions and list functions instead."""
    request = check_request(selection.args, limits)
    scope = Scope(caller, limits)
    root_match = match_root(str(selection.args["ref"]), scope)
    scope.params.update(
        {"threshold": request.cluster_threshold, "max_nodes": request.max_nodes, "depth": request.depth}
    )
    if request.as_of is not None:
        scope.params["as_of"] = request.as_of
    first = {side: "[root]" if side in request.sides else "[]" for side in SIDES}
    start = (
        "{seen_up: [root], seen_down: [root], "
        f"frontier_up: {first['UPSTREAM']}, frontier_down: {first['DOWNSTREAM']}, "
        "found: [{n: root, depth: 0}], clusters: [], cut: false}"
    )
    steps = "\n".join(_side(side, index, request) for index, side in enumerate(request.sides))
    parts = [
        root_match,
        f"""WITH root, reduce(acc = {start}, level IN range(1, $depth) | COLLECT {{
  WITH acc AS s0, level, level < $depth AS leaves
{steps}
  RETURN s{len(request.sides)}
}}[0]) AS cone
WITH root, cone.found AS found, cone.clusters AS clusters, cone.cut AS cut""",
    ]
    sub = by_name(selection.only_type())
    parts.append(_answer(sub, scope, request))
    return Statement("\n".join(parts), scope.params)


def neighbours(side: str) -> str:
    """The pattern from `(p)` to its neighbours `(n)` one edge `e` away on `side`: downstream with the arrows,
    upstream against them."""
    return f"-[e:{LINEAGE_EDGES}]->" if side == "DOWNSTREAM" else f"<-[e:{LINEAGE_EDGES}]-"


def beyond(side: str, node: str, edge: str = "", far: str = "") -> str:
    """The pattern from `node` one edge further on `side`: a neighbour reached on that side is onward (its
    lineage goes on) when this pattern exists, a leaf when it does not."""
    return (
        f"({node})-[{edge}:{LINEAGE_EDGES}]->({far})"
        if side == "DOWNSTREAM"
        else f"({node})<-[{edge}:{LINEAGE_EDGES}]-({far})"
    )


def onward_as_of(side: str, node: str, as_of: str = "$as_of") -> str:
    """`node` has lineage beyond it on `side` as it stood at `as_of` (the parameter holding `asOf`)."""
    return f"EXISTS {{ MATCH {beyond(side, node, 'x', 'm')} WHERE x.at <= {as_of} AND m.created_at <= {as_of} }}"


def group_of(node: str) -> str:
    """The group a neighbour clusters in: `hidden:` when the caller may not see it; a run's group and job type
    (`group:G/JOB_TYPE`), or its job type alone when it has no group (`job:JOB_TYPE`); a version's collection
    (`collection:ID`) — the `group` lineage counts are kept by."""
    return (
        f"CASE WHEN NOT {seen(node)} THEN 'hidden:' "
        f"WHEN {node}:Run AND {node}.group IS NOT NULL "
        f"THEN 'group:' + {node}.group + '/' + coalesce({node}.job_type, '') "
        f"WHEN {node}:Run THEN 'job:' + coalesce({node}.job_type, '') "
        f"ELSE 'collection:' + {node}.collection_id END"
    )


def _side(side: str, index: int, request: LineageRequest) -> str:
    """One level on one side, inside the level step: state `s{index}` in, `s{index + 1}` out.

    Subqueries read the frontier and the seen nodes, never the state: Neo4j charges a subquery's every row
    with the values it reads from outside, and the state holds every node found so far.

    `grouped` is, per frontier node `p` (in creation order, as admitted), its groups of neighbours on that side
    with their sizes, and `candidates` the neighbours that may join: the members of groups no larger than the threshold,
    and, while the view goes on past this level (`leaves`), the onward neighbours whatever their group. Only
    unseen candidates join, in (created_at, id) order, up to the room `maxNodes` leaves, and `cut` records that
    some did not; larger groups become clusters. Edges are found once the nodes are known (`_edges`)."""
    mine = "up" if side == "UPSTREAM" else "down"
    now, after = f"s{index}", f"s{index + 1}"
    grouped = _read_groups(side, now) if request.as_of is not None else _counted_groups(side, now)
    return f"""  WITH {now}, level, leaves, {now}.frontier_{mine} AS frontier, {now}.seen_{mine} AS seen
{grouped}
  WITH {now}, level, leaves, grouped, COLLECT {{
    UNWIND candidates AS n
    WITH n WHERE NOT n IN seen
    WITH DISTINCT n ORDER BY n.created_at, n.id
    RETURN n
  }} AS fresh
  WITH {now}, level, leaves, grouped, fresh, $max_nodes - size({now}.seen_up) - size({now}.seen_down) + 1 AS room
  WITH {now}, level, leaves, grouped, fresh, CASE WHEN room > 0 THEN room ELSE 0 END AS room
  WITH level, leaves, {now} {{.*,
    seen_{mine}: {now}.seen_{mine} + fresh[0..room], frontier_{mine}: fresh[0..room],
    found: {now}.found + [n IN fresh[0..room] | {{n: n, depth: level}}],
    clusters: reduce(cs = {now}.clusters, g IN grouped | cs + [c IN g.groups WHERE c.count > $threshold |
      {{parent: g.p, side: '{side}', grp: c.grp, count: c.count, leaves: leaves}}]),
    cut: {now}.cut OR size(fresh) > room}} AS {after}"""


def _counted_groups(side: str, state: str) -> str:
    """`grouped` and `candidates` for the frontier, sized from the kept lineage counts (migration 0007): a
    group's size is the sum of its counts the caller may see (the hidden group: the others), and only the
    members of groups no larger than the threshold are read, so a hub whose groups are all clusters reads none
    of its neighbours.

    With `leaves`, a group counts its leaves only (its counts less their `onward`) and the onward neighbours
    are candidates, read from their marks (migration 0008) in admission order (creation time, id): no more
    than `maxNodes` + 1 of them can be admitted or tell that some were cut, since the nodes seen and the room
    left add up to at most that. The order names the index `lineage_onward_order` (node, side, at) from its
    first property: Neo4j reads a composite index in order, and stops at the limit, only when the ORDER BY
    starts with the index's own leading properties; ordered by time alone, it read all of a hub's 140,000
    marks to keep 501 (L, 291,593 db hits)."""
    count = Vars("k")
    group = f"CASE WHEN {visible('LineageCount', count)} THEN k.group ELSE 'hidden:' END"
    counts = f"""MATCH (k:LineageCount {{node: p.id, side: '{side}'}})
        WHERE k.group IS NOT NULL AND k.entity IS NOT NULL AND k.project IS NOT NULL"""
    return f"""  WITH {state}, level, leaves, frontier, seen, COLLECT {{
    UNWIND frontier AS p
    WITH p, COLLECT {{
      {counts}
      RETURN {{grp: {group}, count: k.count - CASE WHEN leaves THEN coalesce(k.onward, 0) ELSE 0 END}}
    }} AS ks
    RETURN {{p: p, groups: COLLECT {{
      UNWIND ks AS k
      WITH DISTINCT k.grp AS grp
      ORDER BY grp
      WITH grp, reduce(total = 0, c IN ks | total + CASE WHEN c.grp = grp THEN c.count ELSE 0 END) AS count
      WHERE count > 0
      RETURN {{grp: grp, count: count}}
    }}}}
  }} AS grouped
  WITH {state}, level, leaves, frontier, seen, grouped, COLLECT {{
    UNWIND grouped AS g
    WITH g.p AS p, [c IN g.groups WHERE c.count <= $threshold | c.grp] AS wanted
    WHERE size(wanted) > 0
    MATCH (p){neighbours(side)}(n)
    WITH n, wanted WHERE {group_of("n")} IN wanted
    RETURN n
    UNION ALL
    WITH 1 AS one WHERE leaves
    UNWIND frontier AS p
    CALL (p) {{
      MATCH (t:LineageOnward {{node: p.id, side: '{side}'}}) WHERE t.at IS NOT NULL
      WITH t ORDER BY t.node, t.side, t.at, t.neighbour LIMIT $max_nodes + 1
      OPTIONAL MATCH (r:Run {{id: t.neighbour}})
      OPTIONAL MATCH (v:ArtifactVersion {{id: t.neighbour}})
      RETURN coalesce(r, v) AS n
    }}
    WITH n WHERE n IS NOT NULL
    RETURN n
  }} AS candidates"""


def _read_groups(side: str, state: str) -> str:
    """`grouped` and `candidates` from every neighbour as it stood at `asOf` (counts and marks know only the
    present): a group's size is its members, or with `leaves` its members with no lineage beyond them; members
    of groups no larger than the threshold are candidates, and with `leaves` so are the onward ones. Groups are
    counted from the graph, not from the list of members, which every counting row would be charged with."""
    neighbour = f"MATCH (p){neighbours(side)}(n) WHERE e.at <= $as_of AND n.created_at <= $as_of"
    return f"""  WITH {state}, level, leaves, seen, COLLECT {{
    UNWIND frontier AS p
    WITH p, COLLECT {{
      {neighbour}
      RETURN {{n: n, grp: {group_of("n")}, onward: leaves AND {onward_as_of(side, "n")}}}
    }} AS members
    RETURN {{p: p, members: members, groups: COLLECT {{
      {neighbour}
      WITH DISTINCT {group_of("n")} AS grp
      ORDER BY grp
      WITH grp, COUNT {{
        {neighbour} AND {group_of("n")} = grp AND NOT (leaves AND {onward_as_of(side, "n")})
      }} AS count
      WHERE count > 0
      RETURN {{grp: grp, count: count}}
    }}}}
  }} AS grouped
  WITH {state}, level, leaves, seen, grouped, reduce(picked = [], g IN grouped | picked + [m IN g.members
    WHERE m.onward OR coalesce([c IN g.groups WHERE c.grp = m.grp][0].count, 0) <= $threshold | m.n]) AS candidates"""


def _edges(request: LineageRequest, field: Field | None) -> str:
    """`edge_list`: every lineage edge whose two ends are both drawn, however they were reached (an edge
    between two nodes of the same level, or one deeper than `depth` joins, is drawn too); `field` is the
    edges as selected.

    Each edge is looked for once, from an end with at most `DENSE` edges on its side, so a drawn hub's
    thousands of edges are not read: from its start when that is not dense; else from its end when that is
    not; else (two dense ends, few such nodes) pair by pair. Which ends are dense is decided once, up front
    (`dense_out`, `dense_in`), so the three ways find disjoint edges even while writers add edges meanwhile,
    and they are put together as they are, not made distinct (on a 500-node hub answer, a fifth of its edges'
    cost)."""
    at = " AND e.at <= $as_of" if request.as_of is not None else ""
    return f"""CALL (found) {{
  UNWIND found AS f
  WITH collect(DISTINCT f.n) AS drawn
  WITH drawn, [a IN drawn WHERE COUNT {{ (a)-[:{LINEAGE_EDGES}]->() }} > {DENSE}] AS dense_out
  WITH drawn, dense_out,
       CASE WHEN size(dense_out) > 0 THEN [b IN drawn WHERE COUNT {{ (b)<-[:{LINEAGE_EDGES}]-() }} > {DENSE}]
       ELSE [] END AS dense_in
  CALL (drawn, dense_out, dense_in) {{
    UNWIND drawn AS a
    WITH a, drawn WHERE NOT a IN dense_out
    MATCH (a)-[e:{LINEAGE_EDGES}]->(b) WHERE b IN drawn{at}
    RETURN e
    UNION ALL
    UNWIND CASE WHEN size(dense_out) > 0 THEN drawn ELSE [] END AS b
    WITH b, dense_out WHERE NOT b IN dense_in
    MATCH (a)-[e:{LINEAGE_EDGES}]->(b) WHERE a IN dense_out{at}
    RETURN e
    UNION ALL
    UNWIND dense_out AS a
    UNWIND dense_in AS b
    MATCH (a)-[e:{LINEAGE_EDGES}]->(b){at.replace(" AND", " WHERE", 1)}
    RETURN e
  }}
  WITH e, startNode(e) AS a, endNode(e) AS b
  ORDER BY e.at, a.id, b.id
  RETURN collect({edge_map("e", "a", "b", selected_extras(field))}) AS edge_list
}}"""


def _answer(sub: Mapping[str, Field], scope: Scope, request: LineageRequest) -> str:
    nodes = project_node("n", sub.get("nodes"), scope)
    root = project_node("root", sub.get("root"), scope)
    return f"""CALL (found) {{
  UNWIND found AS f
  WITH f.n AS n, min(f.depth) AS depth
  ORDER BY depth, n.created_at, n.id
  RETURN collect({nodes}) AS node_list
}}
{_edges(request, sub.get("edges"))}
CALL (clusters) {{
  UNWIND range(0, size(clusters) - 1) AS i
  WITH i, clusters[i] AS c
  OPTIONAL MATCH (ac:ArtifactCollection {{id: substring(c.grp, 11)}}) WHERE c.grp STARTS WITH 'collection:'
  WITH i, c, ac ORDER BY i
  RETURN collect({cluster_map("c", "ac")}) AS cluster_list
}}
RETURN {{root: {root}, nodes: node_list, edges: edge_list, truncated: cut, clusters: cluster_list}} AS result"""


def compile_path(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """The shortest directed path from `from` to `to`, following arrows (the way data flowed).

    At most `maxDepth` edges; `shortestPath` never visits a node twice, so cycles cannot lengthen it. Found
    or not, one row answers (no row: an end does not exist or is not visible); a node is a path of length 0
    to itself. Nodes on the path the caller may not see are redacted, as in `lineage`."""
    scope = Scope(caller, limits)
    depth = _bounded(selection.args["maxDepth"], 1, limits.lineage_max_depth, "maxDepth")
    source = match_root(str(selection.args["from"]), scope, "from", var="a")
    target = match_root(str(selection.args["to"]), scope, "to", var="b")
    sub = by_name(selection.only_type())
    edge = edge_map("e", "startNode(e)", "endNode(e)", selected_extras(sub.get("edges")))
    node = project_node("n", sub.get("nodes"), scope)
    return Statement(
        f"{source}\nWITH a\n{target}\n"
        f"OPTIONAL MATCH path = shortestPath((a)-[:{LINEAGE_EDGES}*1..{depth}]->(b)) WHERE a <> b\n"
        f"WITH CASE WHEN a = b THEN [a] ELSE coalesce(nodes(path), []) END AS path_nodes, "
        f"coalesce(relationships(path), []) AS path_edges\n"
        f"RETURN {{found: size(path_nodes) > 0, length: size(path_edges), "
        f"nodes: [n IN path_nodes | {node}], "
        f"edges: [e IN path_edges | {edge}]}}"
        f" AS result",
        scope.params,
    )


def compile_impact(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """Every registry version the caller may see downstream of the root (within `depth` edges, with the
    arrows), ordered by registry collection then newest version.

    The downstream cone is collected as distinct nodes by a single-relationship
    variable-length pattern, which Neo4j runs as a pruning breadth-first search
    (a node is expanded once, so cycles end); the cone may pass through nodes the caller cannot see, but only links the
    caller could read by themselves are listed."""
    scope = Scope(caller, limits)
    depth = _bounded(selection.args["depth"], 1, limits.lineage_max_depth, "depth")
    root = match_root(str(selection.args["ref"]), scope)
    entry = Vars("d", link="l", collection="rc")
    body = project("RegistryVersion", entry, selection.fields("RegistryVersion"), scope)
    return Statement(
        f"{root}\n"
        f"CALL (root) {{ MATCH (root)-[:{LINEAGE_EDGES}*1..{depth}]->(d:ArtifactVersion) RETURN DISTINCT d }}\n"
        f"MATCH (rc:RegistryCollection)-[l:LINKS]->(d) WHERE {visible('RegistryVersion', entry)}\n"
        f"WITH d, rc, l ORDER BY rc.entity, rc.registry, rc.name, l.version DESC\n"
        f"RETURN collect({body}) AS result",
        scope.params,
    )
