// An import's links into one registry collection, each under the number it had (link_version.cypher gives
// out the next one instead), with its time and user. The collection is locked first, as for a link. `taken`:
// numbers that name another version here, or versions linked here under another number; when there are any
// nothing is linked and the caller refuses the import. The collection's next number passes every number
// imported; when the import created the collection, it gets the bundle's creation time and tags.
MATCH (c:RegistryCollection {id: $collection_id})
SET c._lock = true
REMOVE c._lock
WITH c
FOREACH (_ IN CASE WHEN $created THEN [1] ELSE [] END | SET c.created_at = datetime($created_at), c.tags = $tags)
WITH c
CALL (c) {
  UNWIND $links AS link
  MATCH (v:ArtifactVersion {id: link.version_id})
  OPTIONAL MATCH (c)-[l:LINKS]->(v)
  OPTIONAL MATCH (c)-[t:LINKS {version: link.number}]->(other:ArtifactVersion)
  WHERE other <> v
  RETURN collect(CASE WHEN t IS NOT NULL OR l.version <> link.number THEN link.number END) AS taken
}
CALL (c, taken) {
  UNWIND CASE WHEN size(taken) = 0 THEN $links ELSE [] END AS link
  MATCH (v:ArtifactVersion {id: link.version_id})
  WHERE NOT EXISTS { (c)-[:LINKS]->(v) }
  CREATE (c)-[:LINKS {version: link.number, linked_at: datetime(link.linked_at), linked_by: link.linked_by}]->(v)
  RETURN count(*) AS added
}
SET c.next_version = CASE WHEN c.next_version > $next_version THEN c.next_version ELSE $next_version END
RETURN taken, added, c.type AS type
