// Onward marks: `(:LineageOnward {node, side, neighbour, at})` for each run or
// artifact version `neighbour` (created at `at`) one lineage edge from `node` on
// `side` (DOWNSTREAM: along the arrows; UPSTREAM: against them) that has lineage
// beyond it on that side; the lineage counts of migration 0007 count those
// neighbours in `onward` too. Lineage clusters hold leaves only (cypher/lineage.py):
// a group's leaves are its count less its onward, and a hub's onward neighbours are
// read from their marks in creation order, without reading its other neighbours.
// The write path keeps both exact (mark_onward.cypher, forget_onward.cypher).
CREATE CONSTRAINT lineage_onward_key IF NOT EXISTS
FOR (t:LineageOnward) REQUIRE (t.node, t.side, t.neighbour) IS UNIQUE;
CREATE INDEX lineage_onward_order IF NOT EXISTS FOR (t:LineageOnward) ON (t.node, t.side, t.at);
CREATE INDEX lineage_onward_neighbour IF NOT EXISTS FOR (t:LineageOnward) ON (t.neighbour);
// Mark and count what is already there (run again, it sets the same marks and numbers).
MATCH (p) WHERE p:Run OR p:ArtifactVersion
CALL (p) {
  CALL (p) {
    MATCH (p)-[:USED_BY|LOGGED]->(n) WHERE EXISTS { (n)-[:USED_BY|LOGGED]->() } RETURN 'DOWNSTREAM' AS side, n
    UNION ALL
    MATCH (p)<-[:USED_BY|LOGGED]-(n) WHERE EXISTS { (n)<-[:USED_BY|LOGGED]-() } RETURN 'UPSTREAM' AS side, n
  }
  MERGE (t:LineageOnward {node: p.id, side: side, neighbour: n.id})
  SET t.at = n.created_at
  WITH p, side, CASE WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '')
                      WHEN n:Run THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END AS group,
       n.entity AS entity, n.project AS project, count(*) AS onward
  MATCH (k:LineageCount {node: p.id, side: side, group: group, entity: entity, project: project})
  SET k.onward = onward
} IN TRANSACTIONS OF 1000 ROWS;
