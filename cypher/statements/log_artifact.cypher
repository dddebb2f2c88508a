// Log an artifact version from a run. New content gets the collection's next
// version number; content whose manifest digest the collection already holds is
// that version (revived if it was deleted), and this run is recorded to have
// logged it too. Writing to the collection first takes its lock, so concurrent
// loggers get distinct, gapless numbers and identical content makes one version.
// Each file's content is a (:File {digest}) the version CONTAINS.
// No row comes back when the collection has another type.
MATCH (run:Run {id: $run_id})-[:IN]->(p:Project)
MERGE (c:ArtifactCollection {entity: p.entity, project: p.name, name: $name})
  ON CREATE SET c.id = randomUUID(), c.type = $type, c.created_at = datetime(),
                c.tags = [], c.next_version = 0, c.live_versions = 0
MERGE (c)-[:IN]->(p)
SET c._lock = true
REMOVE c._lock
WITH run, c
WHERE c.type = $type
OPTIONAL MATCH (same:ArtifactVersion {collection_id: c.id, digest: $digest})
CALL (run, c, same) {
  WITH run, c, same
  WHERE same IS NULL
  CREATE (v:ArtifactVersion {
    id: randomUUID(), collection_id: c.id, entity: c.entity, project: c.project, name: c.name,
    type: c.type, version: c.next_version, digest: $digest, size: $size, file_count: $file_count,
    file_paths: $file_paths, file_digests: $file_digests, file_sizes: $file_sizes,
    metadata: $metadata, description: $description, tags: [], state: 'committed',
    created_at: datetime()
  })-[:VERSION_OF]->(c)
  SET c.next_version = c.next_version + 1, c.live_versions = c.live_versions + 1
  FOREACH (digest IN $file_digests |
    MERGE (f:File {digest: digest})
    MERGE (v)-[:CONTAINS]->(f))
  RETURN v, true AS created, false AS revived
UNION
  WITH c, same
  WHERE same IS NOT NULL
  WITH c, same, same.state = 'deleted' AS revived
  SET same.state = 'committed'
  REMOVE same.deleted_at
  FOREACH (_ IN CASE WHEN revived THEN [1] ELSE [] END | SET c.live_versions = c.live_versions + 1)
  RETURN same AS v, false AS created, revived
}
MERGE (run)-[l:LOGGED]->(v)
  ON CREATE SET l.at = datetime(), l.created = created
RETURN v.id AS id, c.id AS collection_id, created, revived
