// The type an artifact collection was fixed to by its first version, if it exists.
MATCH (run:Run {id: $run_id})
OPTIONAL MATCH (c:ArtifactCollection {entity: run.entity, project: run.project, name: $name})
RETURN c.type AS type
