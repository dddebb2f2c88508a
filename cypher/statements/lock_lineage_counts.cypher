// Take the lock fold_lineage_counts.cypher takes before it reads any key's rows, for
// work that deletes count rows outside the write path (removing runs and versions for
// good, emptying the graph): a fold that read a key's rows before them would write
// their sum back after them, leaving a count for what is gone.
MERGE (lock:StemmaLock {name: 'lineage-counts'})
SET lock._read = true
REMOVE lock._read
