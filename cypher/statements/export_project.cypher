// Everything a project bundle holds (cypher/bundle.py), read in one statement: the project's runs with their
// history, its collections with their versions and aliases, the lineage edges of its runs (the versions at their
// other end may be in other projects: each is named by its reference, and left out when the caller may not see
// it), and the links of its versions into the entity's registries the caller may see, with the registries'
// aliases. Only a caller who may read the entity gets a row. `[visible TYPE VAR]` is access.py's one visibility
// predicate for TYPE read through VAR, put in by cypher/bundle.py.
MATCH (p:Project {entity: $entity, name: $project})
WHERE [visible Project p]
CALL (p) {
  OPTIONAL MATCH (r:Run)-[:IN]->(p)
  WITH r ORDER BY r.created_at, r.id
  RETURN collect(r {
    .run_id, .name, .state, .job_type, .group, .config, .summary, .tags, .notes, .user,
    .created_at, .finished_at, .heartbeat_at,
    history: COLLECT { MATCH (h:RunHistory {run: r.id}) RETURN h {.first_step, .last_step, .rows, .at} ORDER BY h.first_step }
  }) AS runs
}
CALL (p) {
  OPTIONAL MATCH (c:ArtifactCollection)-[:IN]->(p)
  WITH c ORDER BY c.name
  RETURN collect(c {
    .name, .type, .description, .metadata, .tags, .created_at,
    versions: COLLECT {
      MATCH (v:ArtifactVersion)-[:VERSION_OF]->(c)
      RETURN v {
        .version, .digest, .file_paths, .file_digests, .file_sizes, .ref_paths, .ref_uris, .ref_digests, .ref_sizes,
        .metadata, .description, .tags, .state, .created_at, .deleted_at
      } ORDER BY v.version
    },
    aliases: COLLECT {
      MATCH (a:Alias {collection_id: c.id})-[:POINTS_TO]->(v:ArtifactVersion)
      WHERE a.name <> 'latest'
      RETURN {name: a.name, version: v.version, created_at: a.created_at} ORDER BY a.name
    }
  }) AS collections
}
CALL (p) {
  OPTIONAL MATCH (r:Run)-[:IN]->(p)
  OPTIONAL MATCH (r)-[e:LOGGED]->(v:ArtifactVersion)
  WITH r, e, v ORDER BY e.at, r.id, v.id
  WITH collect(CASE WHEN v IS NOT NULL AND [visible ArtifactVersion v] THEN {
    kind: 'logged', run: r.run_id, entity: v.entity, project: v.project, name: v.name, version: v.version,
    at: e.at, created: e.created } END) AS logged,
    count(CASE WHEN v IS NOT NULL AND NOT ([visible ArtifactVersion v]) THEN 1 END) AS hidden
  RETURN logged, hidden AS hidden_logged
}
CALL (p) {
  OPTIONAL MATCH (r:Run)-[:IN]->(p)
  OPTIONAL MATCH (v:ArtifactVersion)-[e:USED_BY]->(r)
  WITH r, e, v ORDER BY e.at, r.id, v.id
  WITH collect(CASE WHEN v IS NOT NULL AND [visible ArtifactVersion v] THEN {
    kind: 'used', run: r.run_id, entity: v.entity, project: v.project, name: v.name, version: v.version,
    at: e.at, alias: e.alias } END) AS used,
    count(CASE WHEN v IS NOT NULL AND NOT ([visible ArtifactVersion v]) THEN 1 END) AS hidden
  RETURN used, hidden AS hidden_used
}
CALL (p) {
  OPTIONAL MATCH (rc:RegistryCollection {entity: p.entity})-[l:LINKS]->(v:ArtifactVersion {entity: p.entity, project: p.name})
  WHERE [visible RegistryCollection rc]
  WITH rc, l, v ORDER BY rc.registry, rc.name, l.version
  WITH rc, collect(CASE WHEN l IS NOT NULL THEN {
    entity: v.entity, project: v.project, name: v.name, version: v.version, number: l.version, linked_at: l.linked_at, linked_by: l.linked_by,
    aliases: COLLECT { MATCH (a:Alias {collection_id: rc.id})-[:POINTS_TO]->(v) WHERE a.name <> 'latest' RETURN a.name ORDER BY a.name }
  } END) AS links
  WITH rc, links WHERE rc IS NOT NULL
  MATCH (rc)-[:IN]->(g:Registry)
  RETURN collect(rc {
    registry: g.name, registry_description: g.description, .name, .type, .description, .tags, .created_at,
    .next_version, links: links
  }) AS registries
}
RETURN runs, collections, logged + used AS edges, hidden_logged + hidden_used AS hidden_edges, registries
