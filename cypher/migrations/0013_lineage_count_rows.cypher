// Lineage counts as rows that add up (fold_lineage_counts.cypher): the write path
// adds a row per transaction and key instead of increasing one row, which every
// writer of a hub's consumers had to wait for (and deadlocked on). A key may now
// have several rows, so the key is indexed, not unique; `fresh` finds the rows
// the fold has not yet merged.
DROP CONSTRAINT lineage_count_key IF EXISTS;
CREATE INDEX lineage_count_rows IF NOT EXISTS
FOR (k:LineageCount) ON (k.node, k.side, k.group, k.entity, k.project);
CREATE INDEX lineage_count_fresh IF NOT EXISTS
FOR (k:LineageCount) ON (k.fresh)
