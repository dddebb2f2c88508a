// The version an OpenLineage input without a version facet names: the one the run used before from this
// collection (the same event sent again), else the collection's newest (`latest`). No row: no such collection.
MATCH (c:ArtifactCollection {entity: $entity, project: $project, name: $name})
OPTIONAL MATCH (before:ArtifactVersion {collection_id: c.id})-[:USED_BY]->(:Run {id: $run_id})
OPTIONAL MATCH (:Alias {collection_id: c.id, name: 'latest'})-[:POINTS_TO]->(newest:ArtifactVersion)
RETURN c.type AS type, coalesce(collect(before.id)[0], collect(newest.id)[0]) AS version_id
