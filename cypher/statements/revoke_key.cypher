// Revoke an API key; its user's entities are returned so the caller's right to revoke can be checked.
MATCH (k:ApiKey {id: $id})-[:OF]->(u:User)
OPTIONAL MATCH (u)-[:MEMBER_OF]->(e:Entity)
WITH k, u, collect(e.name) AS entities
SET k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN u.name AS user, entities
