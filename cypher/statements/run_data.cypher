// What logRun merges into: a run's config and summary as stored, the last step its history holds and the
// bytes it holds. Writing the run first takes its write lock, so logRun calls on one run go one at a time:
// neither merge can overwrite the other's keys, and two batches cannot both start after the same step.
MATCH (r:Run {id: $id})
SET r._lock = true
REMOVE r._lock
RETURN r.config AS config, r.summary AS summary, r.last_step AS last_step,
       coalesce(r.history_bytes, 0) AS history_bytes
