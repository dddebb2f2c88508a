// The upload became version $version: it keeps the client's digest and the manifest the commit checked (which
// names files by MD5, as the client downloads them), and its files' records go.
MATCH (u:WandbUpload {id: $upload})
MATCH (v:ArtifactVersion {id: $version})
SET u.version = v.id,
    v.wandb_digest = coalesce(v.wandb_digest, u.digest),
    v.wandb_manifest = coalesce(v.wandb_manifest, $manifest)
WITH u
OPTIONAL MATCH (f:WandbUploadFile {upload: u.id})
DELETE f
