// The number, digest, state and collection of each version id.
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
RETURN v.id AS id, v.version AS version, v.digest AS digest, v.state AS state, v.collection_id AS collection_id
