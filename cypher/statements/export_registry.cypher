// A registry's bundle (cypher/bundle.py): its collections the caller may see, each with its links to versions the
// caller may see (counted in hidden_links otherwise) and their aliases. `[visible TYPE VAR]` is access.py's one
// visibility predicate, put in by cypher/bundle.py.
MATCH (g:Registry {entity: $entity, name: $registry})
WHERE [visible Registry g]
CALL (g) {
  OPTIONAL MATCH (rc:RegistryCollection)-[:IN]->(g)
  WHERE [visible RegistryCollection rc]
  OPTIONAL MATCH (rc)-[l:LINKS]->(v:ArtifactVersion)
  WITH rc, l, v ORDER BY rc.name, l.version
  WITH rc, collect(CASE WHEN l IS NOT NULL AND [visible ArtifactVersion v] THEN {
    entity: v.entity, project: v.project, name: v.name, version: v.version, number: l.version,
    linked_at: l.linked_at, linked_by: l.linked_by,
    aliases: COLLECT { MATCH (a:Alias {collection_id: rc.id})-[:POINTS_TO]->(v) WHERE a.name <> 'latest' RETURN a.name ORDER BY a.name }
  } END) AS links,
  count(CASE WHEN l IS NOT NULL AND NOT ([visible ArtifactVersion v]) THEN 1 END) AS hidden
  WITH rc, links, hidden WHERE rc IS NOT NULL
  RETURN collect(rc {
    registry: g.name, registry_description: g.description, .name, .type, .description, .tags, .created_at,
    .next_version, links: links
  }) AS registries, sum(hidden) AS hidden_links
}
RETURN registries, hidden_links
