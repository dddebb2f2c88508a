// Whose key this is, and the entities that user belongs to.
MATCH (k:ApiKey {id: $id})-[:OF]->(u:User)
OPTIONAL MATCH (u)-[:MEMBER_OF]->(e:Entity)
RETURN u.name AS user, collect(e.name) AS entities
