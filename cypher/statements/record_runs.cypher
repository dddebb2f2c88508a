// Many runs at once (a batch import): each like createRun, then ended in the
// state given (running runs stay running). Repeating the batch changes nothing.
UNWIND $runs AS run
MERGE (e:Entity {name: run.entity})
  ON CREATE SET e.created_at = datetime()
MERGE (p:Project {entity: run.entity, name: run.project})
  ON CREATE SET p.created_at = datetime()
MERGE (p)-[:IN]->(e)
MERGE (r:Run {id: run.id})
  ON CREATE SET r.run_id = run.run_id, r.entity = run.entity, r.project = run.project, r.name = run.name,
                r.job_type = run.job_type, r.group = run.group, r.config = run.config, r.tags = run.tags, r.notes = run.notes,
                r.state = 'running', r.user = $caller.user, r.created_at = datetime(), r.heartbeat_at = datetime()
MERGE (r)-[:IN]->(p)
WITH r, run
WHERE run.state <> 'running' AND r.state IN ['running', 'crashed']
SET r.state = run.state, r.finished_at = datetime()
RETURN count(r) AS ended
