// Make a registry visible to its whole entity, or restrict it to named members
// (members of the entity only). No row comes back when there is no such registry.
MATCH (r:Registry {entity: $entity, name: $registry})
SET r.visibility = $visibility
WITH r
CALL (r) {
  OPTIONAL MATCH (:User)-[old:CAN_SEE]->(r)
  DELETE old
}
CALL (r) {
  UNWIND $members AS member
  MATCH (u:User {name: member})-[:MEMBER_OF]->(:Entity {name: $entity})
  MERGE (u)-[:CAN_SEE]->(r)
}
RETURN r.id AS id
