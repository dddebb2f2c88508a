// The logs of a batch into one (locked) collection: new content becomes versions
// numbered by the caller from next_version, deleted versions whose content is
// logged again are revived, and each run is recorded to have logged its version
// (`created` marks the run that first produced the content; an edge already
// there is kept as it was).
MATCH (c:ArtifactCollection {id: $collection_id})
CALL (c) {
  UNWIND $new AS new
  CREATE (v:ArtifactVersion {
    id: randomUUID(), collection_id: c.id, entity: c.entity, project: c.project, name: c.name,
    type: c.type, version: new.version, digest: new.digest, size: new.size, file_count: new.file_count,
    file_paths: new.file_paths, file_digests: new.file_digests, file_sizes: new.file_sizes,
    metadata: new.metadata, description: new.description, tags: [], state: 'committed',
    created_at: datetime()
  })-[:VERSION_OF]->(c)
  FOREACH (digest IN new.file_digests |
    MERGE (f:File {digest: digest})
    MERGE (v)-[:CONTAINS]->(f))
  RETURN collect({digest: v.digest, id: v.id, version: v.version}) AS created
}
CALL (c) {
  UNWIND $revive AS id
  MATCH (v:ArtifactVersion {id: id})
  SET v.state = 'committed'
  REMOVE v.deleted_at
  RETURN count(v) AS revived
}
SET c.next_version = c.next_version + size(created), c.live_versions = c.live_versions + size(created) + revived
WITH c, created
CALL (c) {
  UNWIND $logged AS log
  MATCH (r:Run {id: log.run_id})
  MATCH (v:ArtifactVersion {collection_id: c.id, digest: log.digest})
  MERGE (r)-[l:LOGGED]->(v)
    ON CREATE SET l.at = datetime(), l.created = log.created
  RETURN count(l) AS logged
}
RETURN created
