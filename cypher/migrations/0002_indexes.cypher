// Indexes behind the listings and filters the API offers: runs of a project
// newest first, collections of a project by type, registry collections by
// entity, lineage as of a moment.
CREATE INDEX run_project IF NOT EXISTS FOR (r:Run) ON (r.entity, r.project);
CREATE INDEX run_created IF NOT EXISTS FOR (r:Run) ON (r.created_at);
CREATE INDEX collection_project IF NOT EXISTS FOR (c:ArtifactCollection) ON (c.entity, c.project);
CREATE INDEX version_created IF NOT EXISTS FOR (v:ArtifactVersion) ON (v.created_at);
CREATE INDEX registry_collection_entity IF NOT EXISTS FOR (c:RegistryCollection) ON (c.entity, c.registry);
CREATE INDEX used_by_at IF NOT EXISTS FOR ()-[u:USED_BY]-() ON (u.at);
CREATE INDEX logged_at IF NOT EXISTS FOR ()-[l:LOGGED]-() ON (l.at);
