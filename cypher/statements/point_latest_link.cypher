// Point a registry collection's `latest` at its newest link to a live version,
// or remove it when nothing is linked.
MATCH (c:RegistryCollection {id: $collection_id})
OPTIONAL MATCH (a:Alias {collection_id: c.id, name: 'latest'})
DETACH DELETE a
WITH DISTINCT c
CALL (c) {
  MATCH (c)-[l:LINKS]->(v:ArtifactVersion)
  WHERE v.state = 'committed'
  RETURN v ORDER BY l.version DESC LIMIT 1
}
CREATE (:Alias {collection_id: c.id, name: 'latest', created_at: datetime()})-[:POINTS_TO]->(v)
RETURN v.id AS id
