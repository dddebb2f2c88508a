// Create a user without memberships (a superuser, or someone to add later).
MERGE (u:User {name: $user})
  ON CREATE SET u.created_at = datetime(), u.superuser = $superuser
RETURN u.name AS user, u.superuser AS superuser
