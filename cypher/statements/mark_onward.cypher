// Onward marks (migration 0008) after new lineage edges [start id, end id], in the
// transaction that added them. `(:LineageOnward {node, side, neighbour, at})` says
// that `neighbour` (created at `at`), one edge from `node` on `side`, has lineage
// beyond it on that side (DOWNSTREAM: edges out of it; UPSTREAM: edges into it), so
// lineage draws it rather than folding it into a cluster, which holds leaves only;
// the lineage count its edge is counted in (migration 0007) counts it in `onward`
// too, in a row of its own as record_uses.cypher explains. A new edge a->b marks b
// onward of a when b has edges out, a onward of b when a has edges in; and when it
// is b's first edge in (a's first edge out), b (a) becomes onward for every
// neighbour it already had on the other side. Each end is looked up under its own
// label ($used: version->run, $logged: run->version): in a write transaction,
// looking up an id a label does not have waits for every writer adding to it.
// Every end that may still gain its first edge in or out is locked first, in id
// order, so a concurrent writer of edges at the same node sees these edges before
// it decides. An end with edges on both sides besides these ones was settled by
// committed edges (lineage edges are never removed), so it is not locked: a hub
// many runs use would otherwise take its writers one at a time. A mark is made
// and counted once, so repeating adds nothing. When one transaction's new edges are
// marked in several statements (an import), $in_total and $out_total give, by node id,
// all the edges into and out of it the transaction added, since each statement sees
// the edges of the others: a first edge is known by the whole count, not a batch's.
CALL () {
  UNWIND $used AS edge
  MATCH (a:ArtifactVersion {id: edge[0]})
  MATCH (b:Run {id: edge[1]})
  RETURN a, b
  UNION ALL
  UNWIND $logged AS edge
  MATCH (a:Run {id: edge[0]})
  MATCH (b:ArtifactVersion {id: edge[1]})
  RETURN a, b
}
WITH collect([a, b]) AS pairs
CALL (pairs) {
  UNWIND pairs AS pair
  UNWIND [{x: pair[0], out: 1, in: 0}, {x: pair[1], out: 0, in: 1}] AS end
  WITH end.x AS x, sum(end.in) AS ins, sum(end.out) AS outs
  WHERE COUNT { (x)<-[:USED_BY|LOGGED]-() } <= coalesce($in_total[x.id], ins)
     OR COUNT { (x)-[:USED_BY|LOGGED]->() } <= coalesce($out_total[x.id], outs)
  WITH x ORDER BY x.id
  SET x._lock = true
  REMOVE x._lock
}
CALL (pairs) {
  CALL (pairs) {
    UNWIND pairs AS pair
    WITH pair[0] AS a, pair[1] AS b
    UNWIND [{node: a, side: 'DOWNSTREAM', neighbour: b, onward: EXISTS { (b)-[:USED_BY|LOGGED]->() }},
            {node: b, side: 'UPSTREAM', neighbour: a, onward: EXISTS { (a)<-[:USED_BY|LOGGED]-() }}] AS mark
    WITH mark WHERE mark.onward
    RETURN mark.node AS node, mark.side AS side, mark.neighbour AS neighbour
    UNION
    UNWIND pairs AS pair
    WITH pair[1] AS b, count(*) AS added
    WHERE COUNT { (b)<-[:USED_BY|LOGGED]-() } = coalesce($in_total[b.id], added)
    MATCH (b)-[:USED_BY|LOGGED]->(node)
    RETURN node, 'UPSTREAM' AS side, b AS neighbour
    UNION
    UNWIND pairs AS pair
    WITH pair[0] AS a, count(*) AS added
    WHERE COUNT { (a)-[:USED_BY|LOGGED]->() } = coalesce($out_total[a.id], added)
    MATCH (node)-[:USED_BY|LOGGED]->(a)
    RETURN node, 'DOWNSTREAM' AS side, a AS neighbour
  }
  MERGE (t:LineageOnward {node: node.id, side: side, neighbour: neighbour.id})
    ON CREATE SET t.at = neighbour.created_at, t._new = true
  WITH t, node, side, neighbour WHERE t._new
  REMOVE t._new
  WITH node.id AS node, side,
       CASE WHEN neighbour:Run AND neighbour.group IS NOT NULL
            THEN 'group:' + neighbour.group + '/' + coalesce(neighbour.job_type, '')
            WHEN neighbour:Run THEN 'job:' + coalesce(neighbour.job_type, '')
            ELSE 'collection:' + neighbour.collection_id END AS group,
       neighbour.entity AS entity, neighbour.project AS project, count(*) AS by
  WITH node, side, group, entity, project, by, EXISTS { (:LineageCount {node: node, side: side, group: group, entity: entity, project: project}) } AS known
  CREATE (:LineageCount {node: node, side: side, group: group, entity: entity, project: project,
                         count: 0, onward: by, fresh: CASE WHEN known THEN true END})
}
RETURN size(pairs) AS marked
