// Users with their roles and live keys; all of them, or the members of one entity.
MATCH (u:User)
WHERE $entity IS NULL OR EXISTS { (u)-[:MEMBER_OF]->(:Entity {name: $entity}) }
CALL (u) {
  OPTIONAL MATCH (u)-[m:MEMBER_OF]->(e:Entity)
  WITH e, m ORDER BY e.name
  RETURN collect(CASE WHEN e IS NOT NULL THEN {entity: e.name, role: m.role} END) AS roles
}
CALL (u) {
  OPTIONAL MATCH (k:ApiKey)-[:OF]->(u) WHERE k.revoked_at IS NULL
  WITH k ORDER BY k.created_at
  RETURN collect(k.id) AS keys
}
RETURN u.name AS user, coalesce(u.superuser, false) AS superuser, roles, keys
ORDER BY user
