// The logs of a batch into one (locked) collection: new content becomes versions
// numbered by the caller from next_version (its stored files as File nodes it CONTAINS, its references,
// files left at their URIs, only as lists on the version), deleted versions whose content is
// logged again are revived, and each run is recorded to have logged its version
// (`created` marks the run that first produced the content; an edge already
// there is kept as it was). Edges are created, not merged: a new version's files
// are distinct contents, and the collection's lock admits one writer of its
// versions' edges at a time, so no edge is made twice; MERGE would lock both ends,
// among them File nodes many versions share. A new edge is counted on both ends, as in
// record_uses.cypher (a new row each): among the run's outputs of this collection,
// and among the version's loggers of the run's group and job type and project. The
// new edges (run id, version id) are returned for mark_onward.cypher.
MATCH (c:ArtifactCollection {id: $collection_id})
CALL (c) {
  UNWIND $new AS new
  CREATE (v:ArtifactVersion {
    id: randomUUID(), collection_id: c.id, entity: c.entity, project: c.project, name: c.name,
    type: c.type, version: new.version, digest: new.digest, size: new.size, file_count: new.file_count,
    file_paths: new.file_paths, file_digests: new.file_digests, file_sizes: new.file_sizes,
    ref_paths: new.ref_paths, ref_uris: new.ref_uris, ref_digests: new.ref_digests, ref_sizes: new.ref_sizes,
    metadata: new.metadata, description: new.description, tags: [], state: 'committed',
    created_at: datetime()
  })-[:VERSION_OF]->(c)
  FOREACH (digest IN new.contents |
    MERGE (f:File {digest: digest})
    CREATE (v)-[:CONTAINS]->(f))
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
  WHERE NOT EXISTS { (r)-[:LOGGED]->(v) }
  CREATE (r)-[:LOGGED {at: datetime(), created: log.created}]->(v)
  RETURN collect({r: r, v: v}) AS added
}
CALL (added) {
  UNWIND added AS edge
  WITH edge.r AS r, edge.v AS v
  UNWIND [{node: r.id, side: 'DOWNSTREAM', group: 'collection:' + v.collection_id, entity: v.entity, project: v.project},
          {node: v.id, side: 'UPSTREAM', 
           group: CASE WHEN r.group IS NULL THEN 'job:' + coalesce(r.job_type, '')
                  ELSE 'group:' + r.group + '/' + coalesce(r.job_type, '') END,
           entity: r.entity, project: r.project}]
         AS key
  WITH key, count(*) AS by
  WITH key, by, EXISTS { (:LineageCount {node: key.node, side: key.side, group: key.group, entity: key.entity, project: key.project}) } AS known
  CREATE (:LineageCount {node: key.node, side: key.side, group: key.group, entity: key.entity, project: key.project,
                         count: by, onward: 0, fresh: CASE WHEN known THEN true END})
}
RETURN created, [edge IN added | [edge.r.id, edge.v.id]] AS added
