// Create a registry in an entity (and the entity on first use); an existing
// registry of that name is returned unchanged.
MERGE (e:Entity {name: $entity})
  ON CREATE SET e.created_at = datetime()
MERGE (r:Registry {entity: $entity, name: $name})
  ON CREATE SET r.id = randomUUID(), r.description = $description, r.created_at = datetime()
MERGE (r)-[:IN]->(e)
RETURN r.id AS id
