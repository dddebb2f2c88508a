// Point `latest` at the collection's newest live version, or remove it when
// every version is deleted.
MATCH (c:ArtifactCollection {id: $collection_id})
OPTIONAL MATCH (a:Alias {collection_id: c.id, name: 'latest'})
DETACH DELETE a
WITH DISTINCT c
CALL (c) {
  MATCH (v:ArtifactVersion)-[:VERSION_OF]->(c)
  WHERE v.state = 'committed'
  RETURN v ORDER BY v.version DESC LIMIT 1
}
CREATE (:Alias {collection_id: c.id, name: 'latest', created_at: datetime()})-[:POINTS_TO]->(v)
RETURN v.id AS id
