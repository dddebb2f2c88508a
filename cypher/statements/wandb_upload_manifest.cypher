// The client put its artifact's manifest (files by path: MD5, size, or a reference): kept for the commit,
// and its stored copy (by sha256) for downloads.
MATCH (u:WandbUpload {id: $upload})
WHERE u.version IS NULL
SET u.manifest = $sha256, u.manifest_json = $text
RETURN u.user AS user
