"""The floor: the hand-written Cypher an expert would send through the Python driver for Stemma's lineage answer.

It gives the answer of `lineage(ref, direction, depth, clusterThreshold, maxNodes)`
with the fields `bench.queries.LINEAGE` selects: a breadth-first, cluster-aware
cone, level by level. At each level, the frontier's neighbours on the side being
expanded (DOWNSTREAM follows arrows, UPSTREAM goes against them) are grouped by
parent and group and job type (runs; job type alone without a group) or
collection (versions); below the last level only leaves are grouped, and the
neighbours with lineage beyond them on that side always join; a group of more
than the threshold is reported as a cluster and not expanded; the rest join the
cone once each (ordered by creation time and id) while the node budget lasts, so
a node's depth is its shortest distance and cycles end. BOTH is the union of the
two cones, each with its own `seen` list; the budget is shared. The edges are
every lineage edge between two nodes of the answer.

Group sizes come from the lineage counts and onward marks the graph keeps
(migrations 0007, 0008), as an expert on this graph would size them, so only
small groups' members are read; `counted=False` reads every neighbour instead
(the floor before counts).
Written without Stemma's machinery: no visibility predicates, no `__typename`
maps, one plain map per node.
"""

from __future__ import annotations

from typing import Any

from neo4j import Driver

SIDES = {"UPSTREAM": ("up", "<-[e:USED_BY|LOGGED]-"), "DOWNSTREAM": ("down", "-[e:USED_BY|LOGGED]->")}

# Times as whole microseconds since the epoch, as Stemma's statements return them (the driver decodes an integer
# natively; a temporal value costs a Python call each): the floor reads what Stemma reads, in the same form.
CREATED = "n.created_at.epochMillis * 1000 + n.created_at.microsecond % 1000"
RUN = f"{{id: n.id, name: n.name, state: n.state, jobType: n.job_type, createdAt: {CREATED}}}"
GROUP = (
    "CASE WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '') "
    "WHEN n:Run THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END"
)
BEYOND = {"UPSTREAM": "(n)<-[x:USED_BY|LOGGED]-()", "DOWNSTREAM": "(n)-[x:USED_BY|LOGGED]->()"}
VERSION = (
    "{id: n.id, ref: n.entity + '/' + n.project + '/' + n.name + ':v' + toString(n.version), type: n.type, "
    f"version: n.version, createdAt: {CREATED}, digest: n.digest, size: n.size, "
    "aliases: COLLECT { MATCH (a:Alias)-[:POINTS_TO]->(n) WHERE a.collection_id = n.collection_id "
    "RETURN a.name ORDER BY a.name }}"
)


def _level(side: str, counted: bool, leaves: bool) -> str:
    mine, pattern = SIDES[side]
    seen = f"seen_{mine}"
    groups = _counted(side, pattern, leaves) if counted else _read(side, pattern, leaves)
    return f"""CALL (seen_up, seen_down, front_{mine}) {{
  UNWIND front_{mine} AS p
{groups}
  CALL (small, {seen}) {{
    UNWIND small AS n WITH DISTINCT n WHERE NOT n IN {seen}
    ORDER BY n.created_at, n.id RETURN collect(n) AS fresh
  }}
  WITH big, small, fresh, $max_nodes + 1 - size(seen_up) - size(seen_down) AS room
  WITH big, small, CASE WHEN room > 0 THEN fresh[0..room] ELSE [] END AS admitted, size(fresh) > room AS over
  RETURN big, admitted, over
}}
WITH root, {"seen_up + admitted" if mine == "up" else "seen_up"} AS seen_up,
     {"seen_down + admitted" if mine == "down" else "seen_down"} AS seen_down,
     {"admitted" if mine == "up" else "front_up"} AS front_up,
     {"admitted" if mine == "down" else "front_down"} AS front_down,
     found + [n IN admitted | [n, $level]] AS found, clusters + big AS clusters, cut OR over AS cut"""


def _read(side: str, pattern: str, leaves: bool) -> str:
    """Groups from every neighbour; with `leaves`, of its leaves, and the onward ones always join."""
    onward = f"EXISTS {{ {BEYOND[side]} }}" if leaves else "false"
    return f"""  MATCH (p){pattern}(n)
  WITH p, {GROUP} AS grp, {onward} AS onward, n
  WITH p, grp, collect(CASE WHEN NOT onward THEN n END) AS members, collect(CASE WHEN onward THEN n END) AS through
  WITH collect(CASE WHEN size(members) > $threshold
                    THEN {{parent: p.id, side: '{side}', grp: grp, count: size(members)}} END) AS big,
       collect(CASE WHEN size(members) > $threshold THEN through ELSE members + through END) AS groups
  WITH big, reduce(all = [], g IN groups | all + g) AS small"""


def _counted(side: str, pattern: str, leaves: bool) -> str:
    """Group sizes from the lineage counts the write path keeps; only small groups' members are read. With
    `leaves`, the counts less their onward neighbours, which are read from their marks (the first maxNodes + 1
    by creation time are all that can be admitted, in the order of the index that holds them)."""
    onward = f"""  CALL (p) {{
    MATCH (t:LineageOnward {{node: p.id, side: '{side}'}}) WHERE t.at IS NOT NULL
    WITH t ORDER BY t.node, t.side, t.at, t.neighbour LIMIT $max_nodes + 1
    CALL (t) {{
      MATCH (n:Run {{id: t.neighbour}}) RETURN n UNION MATCH (n:ArtifactVersion {{id: t.neighbour}}) RETURN n
    }}
    RETURN collect(n) AS onward
  }}
"""
    onward = onward if leaves else "  WITH p, [] AS onward\n"
    return f"""{onward}  MATCH (k:LineageCount {{node: p.id, side: '{side}'}})
  WHERE k.group IS NOT NULL AND k.entity IS NOT NULL AND k.project IS NOT NULL
  WITH p, onward, k.group AS grp, sum(k.count{" - coalesce(k.onward, 0)" if leaves else ""}) AS count
  WITH collect(CASE WHEN count > $threshold THEN {{parent: p.id, side: '{side}', grp: grp, count: count}} END) AS big,
       collect(CASE WHEN 0 < count <= $threshold THEN [p, grp] END) AS wanted, collect(DISTINCT onward) AS onwards
  CALL (wanted) {{
    UNWIND wanted AS w WITH w[0] AS p, collect(w[1]) AS groups
    MATCH (p){pattern}(n) WITH n, groups, {GROUP} AS grp WHERE grp IN groups
    RETURN collect(n) AS read
  }}
  WITH big, reduce(all = read, o IN onwards | all + o) AS small"""


def floor_query(direction: str, depth: int, counted: bool = True) -> str:
    """The statement for one direction and depth (depth is part of the text, as variable bounds are); `counted`
    sizes groups from the kept lineage counts, as Stemma does, instead of reading every neighbour."""
    sides = ("UPSTREAM", "DOWNSTREAM") if direction == "BOTH" else (direction,)
    levels = [
        _level(side, counted, level < depth).replace("$level", str(level))
        for level in range(1, depth + 1)
        for side in sides
    ]
    return "\n".join(
        [
            "MATCH (c:ArtifactCollection {entity: $entity, project: $project, name: $name})",
            "MATCH (root:ArtifactVersion {collection_id: c.id, version: $version})",
            "WITH root, [root] AS seen_up, [root] AS seen_down, [root] AS front_up, [root] AS front_down, "
            "[[root, 0]] AS found, [] AS clusters, false AS cut",
            *levels,
            f"""CALL (found) {{
  UNWIND found AS f WITH f[0] AS n, min(f[1]) AS depth ORDER BY depth, n.created_at, n.id
  RETURN collect(CASE WHEN n:Run THEN {RUN} ELSE {VERSION} END) AS nodes
}}
CALL (found) {{
  UNWIND found AS f WITH collect(DISTINCT f[0]) AS drawn
  CALL (drawn) {{
    UNWIND drawn AS a WITH a, drawn WHERE COUNT {{ (a)-[:USED_BY|LOGGED]->() }} <= 1000
    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE b IN drawn RETURN e
    UNION
    UNWIND drawn AS b WITH b, drawn WHERE COUNT {{ (b)<-[:USED_BY|LOGGED]-() }} <= 1000
    MATCH (a)-[e:USED_BY|LOGGED]->(b) WHERE a IN drawn RETURN e
    UNION
    UNWIND [a IN drawn WHERE COUNT {{ (a)-[:USED_BY|LOGGED]->() }} > 1000] AS a
    UNWIND [b IN drawn WHERE COUNT {{ (b)<-[:USED_BY|LOGGED]-() }} > 1000] AS b
    MATCH (a)-[e:USED_BY|LOGGED]->(b) RETURN e
  }}
  WITH e ORDER BY e.at, startNode(e).id, endNode(e).id
  RETURN collect({{kind: type(e), from: startNode(e).id, to: endNode(e).id,
                   at: e.at.epochMillis * 1000 + e.at.microsecond % 1000}}) AS edge_list
}}
RETURN nodes, edge_list AS edges, clusters, cut AS truncated""",
        ]
    )


def floor_params(ref: str, threshold: int, max_nodes: int) -> dict[str, Any]:
    """Parameters for ENTITY/PROJECT/NAME:vN."""
    path, version = ref.rsplit(":v", 1)
    entity, project, name = path.split("/")
    return {
        "entity": entity,
        "project": project,
        "name": name,
        "version": int(version),
        "threshold": threshold,
        "max_nodes": max_nodes,
    }


def run_floor(driver: Driver, text: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run the statement in a read transaction and return its one row as plain values."""
    with driver.session() as session:
        record = session.execute_read(lambda tx: tx.run(text, params).single())
    assert record is not None
    return dict(record)
