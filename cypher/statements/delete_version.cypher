// Delete a version: it leaves listings and loses its aliases, but the node and
// its lineage edges stay, marked deleted; its collection counts one live
// version fewer (once). Registry collections it was linked in are returned so
// their `latest` can be recomputed.
MATCH (v:ArtifactVersion {id: $version_id})-[:VERSION_OF]->(c:ArtifactCollection)
OPTIONAL MATCH (a:Alias)-[:POINTS_TO]->(v)
DETACH DELETE a
WITH DISTINCT v, c, v.state <> 'deleted' AS was_live
SET v.state = 'deleted', v.deleted_at = coalesce(v.deleted_at, datetime())
FOREACH (_ IN CASE WHEN was_live THEN [1] ELSE [] END | SET c.live_versions = c.live_versions - 1)
WITH v
OPTIONAL MATCH (rc:RegistryCollection)-[:LINKS]->(v)
RETURN v.collection_id AS collection_id, collect(rc.id) AS registry_collection_ids
