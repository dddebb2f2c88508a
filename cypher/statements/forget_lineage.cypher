// Before the runs and artifact versions with these ids are removed for good (with
// DETACH DELETE, in the same transaction): their lineage edges stop counting on
// the nodes that stay (a row taking them off; a count whose rows add up to nothing
// goes at the next fold, fold_lineage_counts.cypher), and their own counts go.
// Nodes removed together may be neighbours; only what stays is decremented.
UNWIND $ids AS id
CALL (id) {
  MATCH (x:Run {id: id}) RETURN x
  UNION
  MATCH (x:ArtifactVersion {id: id}) RETURN x
}
CALL (x) {
  MATCH (x)-[:USED_BY|LOGGED]->(y) RETURN y, 'UPSTREAM' AS side
  UNION ALL
  MATCH (x)<-[:USED_BY|LOGGED]-(y) RETURN y, 'DOWNSTREAM' AS side
}
WITH x, y, side WHERE NOT y.id IN $ids
WITH y.id AS node, side, CASE WHEN x:Run AND x.group IS NOT NULL THEN 'group:' + x.group + '/' + coalesce(x.job_type, '')
     WHEN x:Run THEN 'job:' + coalesce(x.job_type, '') ELSE 'collection:' + x.collection_id END AS group, x.entity AS entity, x.project AS project, count(*) AS by
WITH node, side, group, entity, project, by, EXISTS { (:LineageCount {node: node, side: side, group: group, entity: entity, project: project}) } AS known
CREATE (:LineageCount {node: node, side: side, group: group, entity: entity, project: project,
                       count: -by, onward: 0, fresh: CASE WHEN known THEN true END})
WITH count(*) AS uncounted
UNWIND $ids AS id
MATCH (k:LineageCount {node: id}) WHERE k.side IS NOT NULL AND k.group IS NOT NULL AND k.entity IS NOT NULL
  AND k.project IS NOT NULL
DELETE k
RETURN count(k) AS dropped
