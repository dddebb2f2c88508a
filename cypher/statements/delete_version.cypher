// Delete a version: it leaves listings and loses its aliases, but the node and
// its lineage edges stay, marked deleted. Registry collections it was linked in
// are returned so their `latest` can be recomputed.
MATCH (v:ArtifactVersion {id: $version_id})
OPTIONAL MATCH (a:Alias)-[:POINTS_TO]->(v)
DETACH DELETE a
WITH DISTINCT v
SET v.state = 'deleted', v.deleted_at = coalesce(v.deleted_at, datetime())
WITH v
OPTIONAL MATCH (rc:RegistryCollection)-[:LINKS]->(v)
RETURN v.collection_id AS collection_id, collect(rc.id) AS registry_collection_ids
