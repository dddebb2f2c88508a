// Fold the lineage counts' rows (migration 0013): the write path adds a row per
// transaction and key (record_uses.cypher), so a hub many runs use gains rows
// quickly; here the rows of at most $keys keys with `fresh` rows (a row added
// where its key had one) become one row each, the sum of their counts and
// onward counts, and a key whose rows add up to nothing goes. Writers only
// ever add rows, so folding conflicts with none of them:
// a row added while this runs is not read, and is folded the next time. A fold
// takes one lock before it reads any key's rows, so two hosts folding at once
// cannot both sum the same rows; with nothing to fold it writes nothing.
CALL () {
  MATCH (fresh:LineageCount {fresh: true})
  WITH DISTINCT fresh.node AS node, fresh.side AS side, fresh.group AS group, fresh.entity AS entity,
       fresh.project AS project
  LIMIT $keys
  RETURN collect([node, side, group, entity, project]) AS keys
}
WITH keys WHERE size(keys) > 0
MERGE (lock:StemmaLock {name: 'lineage-counts'})
SET lock.folded_at = datetime()
WITH keys
UNWIND keys AS key
CALL (key) {
  MATCH (k:LineageCount {node: key[0], side: key[1], group: key[2], entity: key[3], project: key[4]})
  WITH collect(k) AS rows, sum(k.count) AS count, sum(coalesce(k.onward, 0)) AS onward
  FOREACH (k IN rows | DELETE k)
  FOREACH (_ IN CASE WHEN count <> 0 OR onward <> 0 THEN [1] ELSE [] END |
    CREATE (:LineageCount {node: key[0], side: key[1], group: key[2], entity: key[3], project: key[4],
                           count: count, onward: onward}))
}
RETURN count(*) AS folded
