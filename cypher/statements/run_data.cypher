// What logRun merges into: a run's config and summary as stored, and the last step its history holds.
MATCH (r:Run {id: $id})
RETURN r.config AS config, r.summary AS summary,
       COLLECT { MATCH (h:RunHistory {run: r.id}) RETURN h.last_step ORDER BY h.last_step DESC LIMIT 1 }[0] AS last_step
