// A host that stops hands its sweeper lease on at once (the next host to step takes it).
MATCH (lease:StemmaLock {name: $lease, holder: $instance})
SET lease.until = datetime() - duration({seconds: 1})
