// Mark an API key revoked (it is kept, not deleted; revoking it again keeps the first time). Whether the
// caller may revoke it is decided before, from key_owner.
MATCH (k:ApiKey {id: $id})
SET k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN k.id AS id
