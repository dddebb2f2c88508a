// Take an artifact collection's lock for the logs of a batch (creating it, typed,
// on first use) and say which of the batch's digests it already holds. No row
// comes back unless every logging run exists in the project. The collection's edge
// to its project is created with the collection (only one writer creates a key):
// MERGE on an edge that is there takes locks on the project, which every writer
// into it shares, and deadlocks them.
MATCH (p:Project {entity: $entity, name: $project})
WHERE all(run_id IN $run_ids WHERE EXISTS { (:Run {id: run_id})-[:IN]->(p) })
MERGE (c:ArtifactCollection {entity: $entity, project: $project, name: $name})
  ON CREATE SET c.id = randomUUID(), c.type = $type, c.created_at = datetime(),
                c.tags = [], c.next_version = 0, c.live_versions = 0, c._new = true
WITH p, c, c._new AS new
FOREACH (_ IN CASE WHEN new THEN [1] ELSE [] END | REMOVE c._new CREATE (c)-[:IN]->(p))
SET c._lock = true
REMOVE c._lock
WITH c
OPTIONAL MATCH (v:ArtifactVersion {collection_id: c.id})
WHERE v.digest IN $digests
RETURN c.id AS id, c.type AS type, c.next_version AS next_version,
       collect(CASE WHEN v IS NOT NULL THEN {digest: v.digest, id: v.id, deleted: v.state = 'deleted'} END) AS existing
