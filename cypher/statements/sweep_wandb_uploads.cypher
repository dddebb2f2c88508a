// The wandb client's uploads older than $seconds (server/wandb_compat: the life of their upload URLs), with
// the files put for them: abandoned ones never became a version, and committed ones are past any client still
// holding their id. A thousand a pass.
MATCH (u:WandbUpload)
WHERE u.created_at < datetime() - duration({seconds: $seconds})
WITH u LIMIT 1000
OPTIONAL MATCH (f:WandbUploadFile {upload: u.id})
DETACH DELETE f
WITH DISTINCT u
DETACH DELETE u
RETURN count(u) AS swept
