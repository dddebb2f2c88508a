// The wandb client starts saving an artifact (createArtifact): what it said, kept until it commits. Its upload
// URLs carry a secret whose hash is kept here.
CREATE (u:WandbUpload {id: $upload.id})
SET u += $upload, u.created_at = datetime()
RETURN u.id AS id
