// The caller uploaded this content (its bytes matched the digest): from now on they may name it in a
// manifest. `created` is true the first time this user uploads it, whoever else holds it.
MERGE (f:File {digest: $digest})
WITH f
MATCH (u:User {name: $caller.user})
OPTIONAL MATCH (f)-[before:UPLOADED_BY]->(u)
MERGE (f)-[r:UPLOADED_BY]->(u)
  ON CREATE SET r.at = datetime()
RETURN before IS NULL AS created
