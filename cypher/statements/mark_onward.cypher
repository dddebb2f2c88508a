// Onward marks (migration 0008) after new lineage edges [start id, end id], in the
// transaction that added them. `(:LineageOnward {node, side, neighbour, at})` says
// that `neighbour` (created at `at`), one edge from `node` on `side`, has lineage
// beyond it on that side (DOWNSTREAM: edges out of it; UPSTREAM: edges into it), so
// lineage draws it rather than folding it into a cluster, which holds leaves only;
// the lineage count its edge is counted in (migration 0007) counts it in `onward`
// too. A new edge a->b marks b onward of a when b has edges out, a onward of b when
// a has edges in; and when it is b's first edge in (a's first edge out), b (a)
// becomes onward for every neighbour it already had on the other side. Every end is
// locked first, in id order, so a concurrent writer of edges at the same node sees
// these edges before it decides; a mark is made and counted once, so repeating
// adds nothing.
UNWIND $edges AS edge
CALL (edge) {
  MATCH (a:Run {id: edge[0]}) RETURN a
  UNION
  MATCH (a:ArtifactVersion {id: edge[0]}) RETURN a
}
CALL (edge) {
  MATCH (b:Run {id: edge[1]}) RETURN b
  UNION
  MATCH (b:ArtifactVersion {id: edge[1]}) RETURN b
}
WITH collect([a, b]) AS pairs
CALL (pairs) {
  UNWIND pairs AS pair
  UNWIND pair AS x
  WITH DISTINCT x ORDER BY x.id
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
    WHERE COUNT { (b)<-[:USED_BY|LOGGED]-() } = added
    MATCH (b)-[:USED_BY|LOGGED]->(node)
    RETURN node, 'UPSTREAM' AS side, b AS neighbour
    UNION
    UNWIND pairs AS pair
    WITH pair[0] AS a, count(*) AS added
    WHERE COUNT { (a)-[:USED_BY|LOGGED]->() } = added
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
  ORDER BY node, side, group, entity, project
  MATCH (k:LineageCount {node: node, side: side, group: group, entity: entity, project: project})
  SET k.onward = coalesce(k.onward, 0) + by
}
RETURN size(pairs) AS marked
