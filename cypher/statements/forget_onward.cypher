// Before the runs and artifact versions with these ids are removed for good (with
// DETACH DELETE, in the same transaction; before forget_lineage.cypher): a node
// that stays but loses every neighbour on one side stops being onward there for its
// neighbours (mark_onward.cypher), and the marks the removed nodes hold or are go;
// each mark that goes from a node that stays leaves its lineage count's `onward`
// (a row taking it off, as record_uses.cypher adds).
UNWIND $ids AS id
CALL (id) {
  MATCH (x:Run {id: id}) RETURN x
  UNION
  MATCH (x:ArtifactVersion {id: id}) RETURN x
}
CALL (x) {
  MATCH (x)-[:USED_BY|LOGGED]->(y)
  WHERE NOT y.id IN $ids AND NOT EXISTS { MATCH (y)<-[:USED_BY|LOGGED]-(z) WHERE NOT z.id IN $ids }
  RETURN y, 'UPSTREAM' AS side
  UNION
  MATCH (x)<-[:USED_BY|LOGGED]-(y)
  WHERE NOT y.id IN $ids AND NOT EXISTS { MATCH (y)-[:USED_BY|LOGGED]->(z) WHERE NOT z.id IN $ids }
  RETURN y, 'DOWNSTREAM' AS side
  UNION
  RETURN x AS y, null AS side
}
WITH DISTINCT y, side
MATCH (t:LineageOnward {neighbour: y.id}) WHERE side IS NULL OR t.side = side
WITH t, y, t.node AS node, t.side AS side
DELETE t
WITH node, side,
     CASE WHEN y:Run AND y.group IS NOT NULL THEN 'group:' + y.group + '/' + coalesce(y.job_type, '')
          WHEN y:Run THEN 'job:' + coalesce(y.job_type, '') ELSE 'collection:' + y.collection_id END AS group,
     y.entity AS entity, y.project AS project, count(*) AS by
WHERE NOT node IN $ids
WITH node, side, group, entity, project, by, EXISTS { (:LineageCount {node: node, side: side, group: group, entity: entity, project: project}) } AS known
CREATE (:LineageCount {node: node, side: side, group: group, entity: entity, project: project,
                       count: 0, onward: -by, fresh: CASE WHEN known THEN true END})
WITH count(*) AS uncounted
UNWIND $ids AS id
MATCH (t:LineageOnward {node: id}) WHERE t.side IS NOT NULL AND t.neighbour IS NOT NULL
DELETE t
RETURN count(t) AS dropped
