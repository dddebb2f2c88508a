// A new API key for a user; only its sha256 hash is kept.
MATCH (u:User {name: $user})
CREATE (k:ApiKey {id: $id, hash: $hash, created_at: datetime(), created_by: $caller.user})-[:OF]->(u)
RETURN k.id AS id
