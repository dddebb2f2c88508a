// Whether an upload still takes files: it exists and has not been committed.
MATCH (u:WandbUpload {id: $upload})
WHERE u.version IS NULL
RETURN u.user AS user
