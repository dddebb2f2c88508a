// Make a registry visible to its whole entity, or restrict it to named members.
MATCH (r:Registry {entity: $entity, name: $registry})
SET r.visibility = $visibility
WITH r
OPTIONAL MATCH (:User)-[old:CAN_SEE]->(r)
DELETE old
WITH DISTINCT r
UNWIND $members AS member
MATCH (u:User {name: member})-[:MEMBER_OF]->(:Entity {name: $entity})
MERGE (u)-[:CAN_SEE]->(r)
RETURN count(u) AS granted
