// Lineage counts: for each run and artifact version, how many neighbours it has on
// each side (DOWNSTREAM: along the arrows; UPSTREAM: against them) in each group
// lineage clusters by (`job:` + a run's job type, or `group:` + its group + `/` +
// its job type when it has a group; `collection:` + a version's collection id), split by the neighbours' own entity and project, so that the
// groups a caller may see add up from a few counts (cypher/lineage.py) instead of
// reading every neighbour of a hub. The write path keeps them exact in the
// transaction that adds an edge (record_uses.cypher, log_versions.cypher) or
// removes one (forget_lineage.cypher). Since 0013 a key may have several rows
// that add up; it is indexed (this migration made it unique before then).
CREATE INDEX lineage_count_rows IF NOT EXISTS
FOR (k:LineageCount) ON (k.node, k.side, k.group, k.entity, k.project);
// Count what is already there (run again, it sets the same numbers).
MATCH (p) WHERE p:Run OR p:ArtifactVersion
CALL (p) {
  CALL (p) {
    MATCH (p)-[:USED_BY|LOGGED]->(n) RETURN 'DOWNSTREAM' AS side, n
    UNION ALL
    MATCH (p)<-[:USED_BY|LOGGED]-(n) RETURN 'UPSTREAM' AS side, n
  }
  WITH p, side, CASE WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '')
                      WHEN n:Run THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END AS group,
       n.entity AS entity, n.project AS project, count(*) AS count
  MERGE (k:LineageCount {node: p.id, side: side, group: group, entity: entity, project: project})
  SET k.count = count
} IN TRANSACTIONS OF 1000 ROWS;
