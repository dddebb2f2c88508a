// The aliases (project and registry) that name a version, except the server's `latest`.
MATCH (a:Alias)-[:POINTS_TO]->(v:ArtifactVersion {id: $version_id})
WHERE a.name <> 'latest'
RETURN a.name AS name, a.collection_id AS collection_id
