// A wandb upload by its id, with the files put so far (MD5 as the client names them, sha256 as stored).
MATCH (u:WandbUpload {id: $id})
OPTIONAL MATCH (f:WandbUploadFile {upload: u.id})
RETURN u {.*, created_at: toString(u.created_at)} AS upload,
       collect(f {.md5, .sha256, .size}) AS files
