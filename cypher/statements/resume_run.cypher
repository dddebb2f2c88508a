// Resume a run (W&B's resume="allow"/"must"): an ended run is running again, with a fresh heartbeat and no
// finish time; a running run just heartbeats. Its history, config and summary stay, so logging continues.
MATCH (r:Run {id: $id})
SET r.state = 'running', r.finished_at = null, r.heartbeat_at = datetime()
RETURN r.id AS id
