// Who presents this API key: the user, their role in each entity, and the
// restricted registries of those entities they may not see (granted to named
// members; an entity's admins see them all). Revoked keys find nobody.
MATCH (k:ApiKey {hash: $hash})-[:OF]->(u:User)
WHERE k.revoked_at IS NULL
CALL (u) {
  OPTIONAL MATCH (u)-[m:MEMBER_OF]->(e:Entity)
  RETURN collect([e.name, m.role]) AS roles
}
CALL (u) {
  OPTIONAL MATCH (u)-[m:MEMBER_OF]->(:Entity)<-[:IN]-(r:Registry {visibility: 'restricted'})
  WHERE m.role <> 'admin' AND NOT EXISTS { (u)-[:CAN_SEE]->(r) }
  RETURN collect(r.id) AS hidden
}
RETURN u.name AS user, coalesce(u.superuser, false) AS superuser, roles, hidden, k.id AS key_id
