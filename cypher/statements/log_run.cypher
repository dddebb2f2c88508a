// A run's config and summary become the given JSON texts (the caller merged the new keys over the old, read
// under the run's lock in the same transaction), and a batch of history rows is kept as one chunk keyed by its
// first step, the run keeping its last step and the bytes its history holds; a chunk already kept (the same
// batch sent again) is left as it is. No batch: only config and summary change. Tags and notes, when given,
// replace the run's.
MATCH (r:Run {id: $id})
SET r.config = $config, r.summary = $summary, r.tags = coalesce($tags, r.tags), r.notes = coalesce($notes, r.notes)
WITH r
CALL (r) {
  UNWIND CASE WHEN $chunk IS NULL THEN [] ELSE [$chunk] END AS chunk
  MERGE (h:RunHistory {run: r.id, first_step: chunk.first_step})
    ON CREATE SET h.last_step = chunk.last_step, h.count = chunk.count, h.rows = chunk.rows, h.bytes = size(chunk.rows),
                  h.at = datetime(),
                  r.last_step = chunk.last_step, r.history_bytes = coalesce(r.history_bytes, 0) + size(chunk.rows)
  RETURN count(h) AS chunks
}
RETURN r.id AS id, chunks
