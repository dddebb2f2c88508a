// Many "this run used that version" edges at once, each remembering the alias it
// was asked for; an edge already there is kept as it was. Each run is locked
// first, so two requests recording the same use cannot add a second edge. A new
// edge is counted on both ends (migration 0007): among the version's consumers of
// the run's group and job type (`group:G/JOB_TYPE`, or `job:JOB_TYPE` for a run
// without a group) and project, and among the run's inputs of the version's
// collection and project. Counts are taken in one order, so two batches adding
// consumers of the same hubs queue on each count instead of deadlocking, and each
// increment reads the count under its write lock, so none is lost. The new edges
// (version id, run id) are returned for mark_onward.cypher.
UNWIND $uses AS use
MATCH (r:Run {id: use.run_id})
SET r._lock = true
REMOVE r._lock
WITH r, use
MATCH (v:ArtifactVersion {id: use.version_id})
WITH r, v, use, EXISTS { (v)-[:USED_BY]->(r) } AS known
MERGE (v)-[u:USED_BY]->(r)
  ON CREATE SET u.at = datetime(), u.alias = use.alias
WITH count(u) AS used, collect(CASE WHEN NOT known THEN {v: v, r: r} END) AS added
CALL (added) {
  UNWIND added AS edge
  WITH edge.v AS v, edge.r AS r
  UNWIND [{node: v.id, side: 'DOWNSTREAM', 
           group: CASE WHEN r.group IS NULL THEN 'job:' + coalesce(r.job_type, '')
                  ELSE 'group:' + r.group + '/' + coalesce(r.job_type, '') END,
           entity: r.entity, project: r.project},
          {node: r.id, side: 'UPSTREAM', group: 'collection:' + v.collection_id, entity: v.entity, project: v.project}]
         AS key
  WITH key, count(*) AS by
  ORDER BY key.node, key.side, key.group, key.entity, key.project
  MERGE (k:LineageCount {node: key.node, side: key.side, group: key.group, entity: key.entity, project: key.project})
    ON CREATE SET k.count = 0
  SET k.count = k.count + by
}
RETURN used, [edge IN added | [edge.v.id, edge.r.id]] AS added
