// Point each alias at this version, moving it off any other version of the
// same collection: an alias names at most one version per collection. The
// alias is locked before it is read so concurrent moves cannot both win. `total` is how many aliases the
// collection has now (the caller refuses, and so rolls back, past the cap).
MATCH (v:ArtifactVersion {id: $version_id})
UNWIND $aliases AS alias_name
MERGE (a:Alias {collection_id: $collection_id, name: alias_name})
  ON CREATE SET a.created_at = datetime()
SET a._lock = true
REMOVE a._lock
WITH a, v
OPTIONAL MATCH (a)-[old:POINTS_TO]->(other)
WHERE other <> v
DELETE old
WITH DISTINCT a, v
MERGE (a)-[:POINTS_TO]->(v)
WITH count(a) AS aliases
RETURN aliases, COUNT { (:Alias {collection_id: $collection_id}) } AS total
