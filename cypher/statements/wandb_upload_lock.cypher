// A commit takes the upload's write lock first, then reads what it holds: a manifest put meanwhile (or a commit
// that got there first) is seen here, and no manifest or file is put until this commit ends.
MATCH (u:WandbUpload {id: $upload})
SET u._lock = true
REMOVE u._lock
RETURN u.manifest AS manifest, u.version AS version
