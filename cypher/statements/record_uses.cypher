// Many "this run used that version" edges at once; an edge already there is kept as it was.
UNWIND $uses AS use
MATCH (v:ArtifactVersion {id: use.version_id})
MATCH (r:Run {id: use.run_id})
MERGE (v)-[u:USED_BY]->(r)
  ON CREATE SET u.at = datetime(), u.alias = use.alias
RETURN count(u) AS used
