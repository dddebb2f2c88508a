// A new API key for a user, unless they already have $limit live keys (then the id is null); only its
// sha256 hash is kept. Touching the user first serialises concurrent key creation for that user.
MATCH (u:User {name: $user})
SET u._lock = true
REMOVE u._lock
WITH u, COUNT { (k:ApiKey)-[:OF]->(u) WHERE k.revoked_at IS NULL } AS live
FOREACH (_ IN CASE WHEN live < $limit THEN [1] ELSE [] END |
  CREATE (:ApiKey {id: $id, hash: $hash, created_at: datetime(), created_by: $caller.user})-[:OF]->(u))
RETURN CASE WHEN live < $limit THEN $id END AS id
