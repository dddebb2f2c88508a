// The live version of a collection that the wandb client saved with this digest (createArtifact finds it
// committed and uploads nothing).
MATCH (v:ArtifactVersion {wandb_digest: $digest})
WHERE v.entity = $entity AND v.project = $project AND v.name = $name AND v.deleted_at IS NULL
RETURN v.id AS id
LIMIT 1
