// A file the client put for an upload (its bytes matched the MD5 it was offered for); the same file put
// again (a retry) is kept once.
MATCH (u:WandbUpload {id: $upload})
SET u._lock = true  // the upload's lock first: a commit under way finishes before this reads u.version
REMOVE u._lock
WITH u
WHERE u.version IS NULL
MERGE (f:WandbUploadFile {upload: u.id, md5: $md5})
SET f.sha256 = $sha256, f.size = $size
RETURN u.user AS user
