// Search (the `search` root field, cypher/search.py): full-text indexes over the names people type into
// the page's search box: collections (project and registry), runs (name and short id), registries and
// aliases (a version is found by its alias). The standard analyzer without stop words, so `the`, `a` or
// `in` are names like any other; the query is built from the user's words, each escaped, never parsed
// as Lucene syntax. `entity` is indexed too (aliases have none), so that the query keeps to the caller's
// entities inside the index instead of reading every tenant's matches; the visibility rule still decides.
CREATE FULLTEXT INDEX search_collections IF NOT EXISTS FOR (n:ArtifactCollection|RegistryCollection) ON EACH [n.name, n.entity]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}};
CREATE FULLTEXT INDEX search_runs IF NOT EXISTS FOR (n:Run) ON EACH [n.name, n.run_id, n.entity]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}};
CREATE FULLTEXT INDEX search_registries IF NOT EXISTS FOR (n:Registry) ON EACH [n.name, n.entity]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}};
CREATE FULLTEXT INDEX search_aliases IF NOT EXISTS FOR (n:Alias) ON EACH [n.name]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}};
// A version by a prefix of its manifest digest (STARTS WITH on a range index; the composite
// version_digest constraint leads with the collection and cannot answer it).
CREATE INDEX version_digest_prefix IF NOT EXISTS FOR (v:ArtifactVersion) ON (v.digest);
