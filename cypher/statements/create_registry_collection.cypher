// Create a collection in a registry; an existing one of that name is returned
// unchanged. A type, when given, is the only artifact type it accepts.
MATCH (r:Registry {entity: $entity, name: $registry})
MERGE (c:RegistryCollection {registry_id: r.id, name: $name})
  ON CREATE SET c.id = randomUUID(), c.entity = r.entity, c.registry = r.name, c.type = $type,
                c.description = $description, c.tags = [], c.created_at = datetime(), c.next_version = 0
MERGE (c)-[:IN]->(r)
RETURN c.id AS id
