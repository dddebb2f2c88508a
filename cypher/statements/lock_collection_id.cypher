// Take an existing artifact collection's lock (as lock_collection.cypher does) before recording LOGGED edges
// into its versions: one writer of its versions' edges at a time.
MATCH (c:ArtifactCollection {id: $collection_id})
SET c._lock = true
REMOVE c._lock
RETURN c.id AS id
