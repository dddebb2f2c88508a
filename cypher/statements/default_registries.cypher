// Every entity has the registries `model` and `dataset`, as W&B gives every organisation: made with the
// entity, open to all its members; a registry already there is left as it is.
UNWIND $entities AS entity
MATCH (e:Entity {name: entity})
UNWIND $registries AS registry
MERGE (r:Registry {entity: e.name, name: registry.name})
  ON CREATE SET r.id = randomUUID(), r.description = registry.description, r.created_at = datetime()
MERGE (r)-[:IN]->(e)
RETURN count(r) AS registries
