// The `wandb` client's artifact uploads (server/wandb_compat): an artifact it is saving is a WandbUpload until
// it commits, and each file it put is a WandbUploadFile (the client names files by MD5; Stemma keeps them by
// sha256). A committed upload keeps the version it became, so ids the client was given still find it.
CREATE CONSTRAINT wandb_upload_id IF NOT EXISTS FOR (u:WandbUpload) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT wandb_upload_file IF NOT EXISTS FOR (f:WandbUploadFile) REQUIRE (f.upload, f.md5) IS UNIQUE;
CREATE INDEX wandb_version_digest IF NOT EXISTS FOR (v:ArtifactVersion) ON (v.wandb_digest);
