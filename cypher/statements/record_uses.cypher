// Many "this run used that version" edges at once, each remembering the alias it
// was asked for; an edge already there is kept as it was. Each run is locked
// first, so two requests recording the same use cannot add a second edge; the
// edge is created, not merged, as MERGE would also lock the version, which all
// its consumers share. A new edge is counted on both ends (migration 0013): among
// the version's consumers of the run's group and job type (`group:G/JOB_TYPE`, or
// `job:JOB_TYPE` for a run without a group) and project, and among the run's inputs
// of the version's collection and project. Each count is a new row (a delta) that
// no other writer touches, so the runs of a hub never wait on one another; the
// rows of a key add up to its count. A row whose key had one already is `fresh`:
// fold_lineage_counts.cypher merges those keys' rows into one.
// The new edges (version id, run id) are returned for mark_onward.cypher.
UNWIND $uses AS use
MATCH (r:Run {id: use.run_id})
SET r._lock = true
REMOVE r._lock
WITH r, use
MATCH (v:ArtifactVersion {id: use.version_id})
WITH r, v, use, EXISTS { (v)-[:USED_BY]->(r) } AS known
FOREACH (_ IN CASE WHEN known THEN [] ELSE [1] END | CREATE (v)-[:USED_BY {at: datetime(), alias: use.alias}]->(r))
WITH count(*) AS used, collect(CASE WHEN NOT known THEN {v: v, r: r} END) AS added
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
  WITH key, by, EXISTS { (:LineageCount {node: key.node, side: key.side, group: key.group, entity: key.entity, project: key.project}) } AS known
  CREATE (:LineageCount {node: key.node, side: key.side, group: key.group, entity: key.entity, project: key.project,
                         count: by, onward: 0, fresh: CASE WHEN known THEN true END})
}
RETURN used, [edge IN added | [edge.v.id, edge.r.id]] AS added
