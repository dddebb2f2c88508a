// Remove an alias from a collection; removing one that is not there changes nothing.
MATCH (a:Alias {collection_id: $collection_id, name: $alias})
DETACH DELETE a
RETURN count(*) AS removed
