// Runs still marked running that have not sent a heartbeat within the grace
// period died without saying so (a killed process): mark them crashed.
MATCH (r:Run)
WHERE r.state = 'running' AND r.heartbeat_at < datetime() - duration({seconds: $grace_seconds})
SET r.state = 'crashed', r.finished_at = datetime()
RETURN count(r) AS swept
