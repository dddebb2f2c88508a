// Many "this run used that version" edges at once, each remembering the alias it
// was asked for; an edge already there is kept as it was. Each run is locked
// first, so two requests recording the same use cannot add a second edge.
UNWIND $uses AS use
MATCH (r:Run {id: use.run_id})
SET r._lock = true
REMOVE r._lock
WITH r, use
MATCH (v:ArtifactVersion {id: use.version_id})
MERGE (v)-[u:USED_BY]->(r)
  ON CREATE SET u.at = datetime(), u.alias = use.alias
RETURN count(u) AS used
