// Whose key this is (no row when there is no such key).
MATCH (k:ApiKey {id: $id})-[:OF]->(u:User)
RETURN u.name AS user
