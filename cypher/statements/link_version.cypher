// Link an artifact version into a registry collection under the collection's
// next version number; a version already linked there keeps its link. The
// collection is locked first so concurrent links get distinct numbers.
MATCH (c:RegistryCollection {id: $collection_id})
SET c._lock = true
REMOVE c._lock
WITH c
MATCH (v:ArtifactVersion {id: $version_id})
OPTIONAL MATCH (c)-[existing:LINKS]->(v)
CALL (c, v, existing) {
  WITH c, v, existing
  WHERE existing IS NULL
  CREATE (c)-[l:LINKS {version: c.next_version, linked_at: datetime(), linked_by: $caller.user}]->(v)
  SET c.next_version = c.next_version + 1
  RETURN l, true AS created
UNION
  WITH existing
  WHERE existing IS NOT NULL
  RETURN existing AS l, false AS created
}
RETURN l.version AS version, created
