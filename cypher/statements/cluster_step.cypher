// One host's periodic step in keeping the server processes on this graph in agreement (server/cluster.py):
// leave the tokens it spent per key since its last step (kept $keep_seconds), hold or take the sweeper lease
// of its sweep settings, and read back the keys generation and the tokens other hosts left since.
FOREACH (_ IN CASE WHEN size($keys) > 0 THEN [1] ELSE [] END |
  CREATE (:StemmaSpend {id: randomUUID(), instance: $instance, at: datetime(), limiters: $limiters, keys: $keys,
                        amounts: $amounts}))
WITH 1 AS one
CALL () {
  MATCH (old:StemmaSpend) WHERE old.at < datetime() - duration({seconds: $keep_seconds})
  DELETE old
}
MERGE (lease:StemmaLock {name: $lease})
WITH lease, lease.holder IS NULL OR lease.holder = $instance OR lease.until < datetime() AS sweeps
SET lease.holder = CASE WHEN sweeps THEN $instance ELSE lease.holder END,
    lease.until = CASE WHEN sweeps THEN datetime() + duration({seconds: $lease_seconds}) ELSE lease.until END
WITH sweeps
OPTIONAL MATCH (keys:StemmaCounter {name: 'keys'})
CALL () {
  OPTIONAL MATCH (s:StemmaSpend) WHERE s.instance <> $instance AND NOT s.id IN $applied
  RETURN collect(s {.id, .limiters, .keys, .amounts}) AS spends
}
RETURN sweeps, coalesce(keys.value, 0) AS keys_generation, spends
