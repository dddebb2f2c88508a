// Record that a run used an artifact version as an input, remembering the
// alias it asked for; using the same version again records nothing new. The
// run is locked first so a repeated request cannot add a second edge.
MATCH (r:Run {id: $run_id})
SET r._lock = true
REMOVE r._lock
WITH r
MATCH (v:ArtifactVersion {id: $version_id})
MERGE (v)-[u:USED_BY]->(r)
  ON CREATE SET u.at = datetime(), u.alias = $alias
RETURN v.id AS id
