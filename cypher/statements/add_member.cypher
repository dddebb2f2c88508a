// Give a user a role in an entity, creating the user and the entity on first
// use; an existing membership takes the new role.
MERGE (e:Entity {name: $entity})
  ON CREATE SET e.created_at = datetime()
MERGE (u:User {name: $user})
  ON CREATE SET u.created_at = datetime(), u.superuser = $superuser
MERGE (u)-[m:MEMBER_OF]->(e)
SET m.role = $role
RETURN u.name AS user, e.name AS entity, m.role AS role
