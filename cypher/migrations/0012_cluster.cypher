// What the server processes on one graph share (server/cluster.py): the keys generation, and the tokens each
// host spent, found by id.
CREATE CONSTRAINT stemma_counter_name IF NOT EXISTS FOR (c:StemmaCounter) REQUIRE c.name IS UNIQUE;
CREATE CONSTRAINT stemma_spend_id IF NOT EXISTS FOR (s:StemmaSpend) REQUIRE s.id IS UNIQUE;
CREATE INDEX stemma_spend_at IF NOT EXISTS FOR (s:StemmaSpend) ON (s.at);
