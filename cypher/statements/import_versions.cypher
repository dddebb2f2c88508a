// After an import logged a collection's content: the collection, when the import created it, and the versions
// it created get the bundle's times, description, metadata and tags; versions the bundle holds as deleted get
// its deletion time.
MATCH (c:ArtifactCollection {entity: $collection.entity, project: $collection.project, name: $collection.name})
FOREACH (_ IN CASE WHEN $collection.created THEN [1] ELSE [] END |
  SET c.created_at = datetime($collection.created_at), c.description = $collection.description,
      c.metadata = $collection.metadata, c.tags = $collection.tags)
WITH c
CALL (c) {
  UNWIND $versions AS version
  MATCH (v:ArtifactVersion {id: version.id})
  SET v.created_at = datetime(version.created_at), v.tags = version.tags
  RETURN count(v) AS timed
}
CALL (c) {
  UNWIND $deleted AS version
  MATCH (v:ArtifactVersion {id: version.id})
  SET v.deleted_at = datetime(version.deleted_at)
  RETURN count(v) AS deleted
}
RETURN timed, deleted
