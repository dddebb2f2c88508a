// Runs an import created (record_runs.cypher made them as of now, by the importer) get the bundle's user,
// times and summary, and their history chunks as log_run.cypher keeps them.
UNWIND $runs AS run
MATCH (r:Run {id: run.id})
SET r.user = run.user, r.created_at = datetime(run.created_at), r.summary = run.summary,
    r.finished_at = CASE WHEN run.finished_at IS NULL THEN null ELSE datetime(run.finished_at) END,
    r.heartbeat_at = CASE WHEN run.heartbeat_at IS NULL THEN null ELSE datetime(run.heartbeat_at) END
WITH r, run
CALL (r, run) {
  UNWIND run.history AS chunk
  MERGE (h:RunHistory {run: r.id, first_step: chunk.first_step})
    ON CREATE SET h.last_step = chunk.last_step, h.count = chunk.count, h.rows = chunk.rows, h.bytes = size(chunk.rows),
                  h.at = datetime(chunk.at)
  RETURN max(h.last_step) AS last_step, sum(h.bytes) AS bytes
}
SET r.last_step = last_step, r.history_bytes = CASE WHEN last_step IS NULL THEN null ELSE bytes END
RETURN count(r) AS runs
