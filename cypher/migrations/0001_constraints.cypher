// Uniqueness for every key of the public graph model (design.md, "Graph model").
// Community edition has no node keys or existence constraints: the write path
// enforces those.
CREATE CONSTRAINT entity_name IF NOT EXISTS FOR (e:Entity) REQUIRE e.name IS UNIQUE;
CREATE CONSTRAINT project_key IF NOT EXISTS FOR (p:Project) REQUIRE (p.entity, p.name) IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT collection_id IF NOT EXISTS FOR (c:ArtifactCollection) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT collection_key IF NOT EXISTS FOR (c:ArtifactCollection) REQUIRE (c.entity, c.project, c.name) IS UNIQUE;
CREATE CONSTRAINT version_id IF NOT EXISTS FOR (v:ArtifactVersion) REQUIRE v.id IS UNIQUE;
CREATE CONSTRAINT version_number IF NOT EXISTS FOR (v:ArtifactVersion) REQUIRE (v.collection_id, v.version) IS UNIQUE;
CREATE CONSTRAINT version_digest IF NOT EXISTS FOR (v:ArtifactVersion) REQUIRE (v.collection_id, v.digest) IS UNIQUE;
CREATE CONSTRAINT alias_key IF NOT EXISTS FOR (a:Alias) REQUIRE (a.collection_id, a.name) IS UNIQUE;
CREATE CONSTRAINT registry_id IF NOT EXISTS FOR (r:Registry) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT registry_key IF NOT EXISTS FOR (r:Registry) REQUIRE (r.entity, r.name) IS UNIQUE;
CREATE CONSTRAINT registry_collection_id IF NOT EXISTS FOR (c:RegistryCollection) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT registry_collection_key IF NOT EXISTS FOR (c:RegistryCollection) REQUIRE (c.registry_id, c.name) IS UNIQUE;
