// The entities a user belongs to (no row when there is no such user).
MATCH (u:User {name: $user})
OPTIONAL MATCH (u)-[:MEMBER_OF]->(e:Entity)
RETURN collect(e.name) AS entities
