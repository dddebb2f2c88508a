// Run history (`logRun`; the SDK's run.log): what a run logged step by step, kept in chunks, one node per
// batch the client sends, never one per step. A chunk is keyed by its run and its first step, so a batch sent
// twice (a retry after a lost answer) is kept once; the run's chunks are read in step order by `run`.
CREATE CONSTRAINT run_history_chunk IF NOT EXISTS FOR (h:RunHistory) REQUIRE (h.run, h.first_step) IS UNIQUE;
CREATE INDEX run_history_run IF NOT EXISTS FOR (h:RunHistory) ON (h.run);
