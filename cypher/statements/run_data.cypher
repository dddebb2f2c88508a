// What logRun merges into: a run's config and summary as stored, the last step its history holds and the
// bytes it holds. Setting log_seq takes the run's write lock first, so logRun calls on one run go one at a
// time: neither merge can overwrite the other's keys, and two batches cannot both start after the same step.
MATCH (r:Run {id: $id})
SET r.log_seq = coalesce(r.log_seq, 0) + 1
RETURN r.config AS config, r.summary AS summary, r.last_step AS last_step,
       coalesce(r.history_bytes, 0) AS history_bytes
