// Users with their roles and live keys: every user, or the members of one entity. A superuser sees all
// of it; anyone else (an entity's admin) sees only roles in $entity, and key ids only on their own row.
MATCH (u:User)
WHERE $entity IS NULL OR EXISTS { (u)-[:MEMBER_OF]->(:Entity {name: $entity}) }
CALL (u) {
  OPTIONAL MATCH (u)-[m:MEMBER_OF]->(e:Entity)
  WHERE $caller.superuser OR e.name = $entity
  WITH e, m ORDER BY e.name
  RETURN collect(CASE WHEN e IS NOT NULL THEN {entity: e.name, role: m.role} END) AS roles
}
CALL (u) {
  OPTIONAL MATCH (k:ApiKey)-[:OF]->(u)
  WHERE k.revoked_at IS NULL AND ($caller.superuser OR u.name = $caller.user)
  WITH k ORDER BY k.created_at
  RETURN collect(k.id) AS keys
}
RETURN u.name AS user, coalesce(u.superuser, false) AS superuser, roles, keys
ORDER BY user
