// Take an artifact collection's lock for a batch of logs (creating it, typed, on
// first use) and say which of the batch's digests it already holds.
MATCH (p:Project {entity: $entity, name: $project})
MERGE (c:ArtifactCollection {entity: $entity, project: $project, name: $name})
  ON CREATE SET c.id = randomUUID(), c.type = $type, c.created_at = datetime(),
                c.tags = [], c.next_version = 0, c.live_versions = 0
MERGE (c)-[:IN]->(p)
SET c._lock = true
REMOVE c._lock
WITH c
OPTIONAL MATCH (v:ArtifactVersion {collection_id: c.id})
WHERE v.digest IN $digests
RETURN c.id AS id, c.type AS type, c.next_version AS next_version,
       collect(CASE WHEN v IS NOT NULL THEN {digest: v.digest, id: v.id, deleted: v.state = 'deleted'} END) AS existing
