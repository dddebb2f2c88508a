// The versions of a project's collection that hold any of these digests: id and state.
MATCH (c:ArtifactCollection {entity: $entity, project: $project, name: $name})
MATCH (v:ArtifactVersion {collection_id: c.id})
WHERE v.digest IN $digests
RETURN v.digest AS digest, v.id AS id, v.state AS state
