// What the wandb client saved with a version (server/wandb_compat): its manifest's MD5 digest and the sha256
// of the manifest it put; null for versions logged otherwise. The caller has already read the version.
MATCH (v:ArtifactVersion {id: $id})
RETURN v.wandb_digest AS digest, v.wandb_manifest AS manifest
