// Lineage edges an import created (record_uses.cypher, log_versions.cypher: as of now) get the bundle's times.
// Each end is looked up under its own label.
CALL () {
  UNWIND [edge IN $edges WHERE edge.kind = 'used'] AS edge
  MATCH (:ArtifactVersion {id: edge.version_id})-[u:USED_BY]->(:Run {id: edge.run_id})
  SET u.at = datetime(edge.at)
  RETURN count(u) AS used
}
CALL () {
  UNWIND [edge IN $edges WHERE edge.kind = 'logged'] AS edge
  MATCH (:Run {id: edge.run_id})-[l:LOGGED]->(:ArtifactVersion {id: edge.version_id})
  SET l.at = datetime(edge.at)
  RETURN count(l) AS logged
}
RETURN used, logged
