// Unlink a version from a registry collection, dropping the collection's
// aliases that named it.
MATCH (c:RegistryCollection {id: $collection_id})-[l:LINKS]->(v:ArtifactVersion {id: $version_id})
OPTIONAL MATCH (a:Alias {collection_id: c.id})-[:POINTS_TO]->(v)
DETACH DELETE a
WITH DISTINCT l
DELETE l
RETURN count(*) AS unlinked
