// End a run. A running (or swept-as-crashed) run takes the new state; a run
// already finished or failed keeps its state, and the caller compares.
MATCH (r:Run {id: $id})
WITH r, r.state AS before
FOREACH (_ IN CASE WHEN before IN ['running', 'crashed'] AND before <> $state THEN [1] ELSE [] END |
  SET r.state = $state, r.finished_at = datetime())
RETURN before, r.state AS after
