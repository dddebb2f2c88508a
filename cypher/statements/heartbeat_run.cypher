// A running run says it is alive; the stale-run sweep spares it.
MATCH (r:Run {id: $id})
WHERE r.state = 'running'
SET r.heartbeat_at = datetime()
RETURN r.id AS id
