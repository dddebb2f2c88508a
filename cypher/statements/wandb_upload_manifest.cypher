// The client put its artifact's manifest (files by path: MD5, size, or a reference): kept for the commit,
// and its stored copy (by sha256) for downloads.
MATCH (u:WandbUpload {id: $upload})
SET u._lock = true  // the upload's lock first: a commit under way finishes before this reads u.version
REMOVE u._lock
WITH u
WHERE u.version IS NULL
SET u.manifest = $sha256, u.manifest_json = $text
RETURN u.user AS user
