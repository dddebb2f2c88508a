// The registries `model` and `dataset` in every entity made before entities came with them
// (statements/default_registries.cypher makes them with each new entity).
MATCH (e:Entity)
UNWIND [{name: 'model', description: 'Models of this entity, linked from any of its projects'},
        {name: 'dataset', description: 'Datasets of this entity, linked from any of its projects'}] AS registry
MERGE (r:Registry {entity: e.name, name: registry.name})
  ON CREATE SET r.id = randomUUID(), r.description = registry.description, r.created_at = datetime()
MERGE (r)-[:IN]->(e);
