// In the transaction of every revocation and every change of roles or registry access: the keys generation
// moves, and every server process on this graph forgets the keys it remembers at its next cluster step
// (server/cluster.py).
MERGE (c:StemmaCounter {name: 'keys'})
SET c.value = coalesce(c.value, 0) + 1
