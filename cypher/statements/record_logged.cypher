// Many "this run logged that version" edges at once, for one collection; `created` marks the run that
// first produced the content. An edge already there is kept as it was.
UNWIND $logged AS log
MATCH (r:Run {id: log.run_id})
MATCH (v:ArtifactVersion {collection_id: $collection_id, digest: log.digest})
MERGE (r)-[l:LOGGED]->(v)
  ON CREATE SET l.at = datetime(), l.created = log.created
RETURN count(l) AS logged
