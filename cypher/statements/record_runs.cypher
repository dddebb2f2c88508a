// Many runs at once (a batch import): each like createRun, then ended in the
// state given (running runs stay running). Repeating the batch changes nothing.
// Entities and projects ($projects: the runs' and any the batch writes into) are made once per batch, not once per
// run; the entities
// this batch made are returned (`created`), for their default registries. Edges
// are created with the node they leave (a project's to its entity, a run's to its
// project; the key is unique, so only one writer creates them): MERGE on an edge
// takes locks on the entity or project at its end, which every writer into it
// shares, and concurrent batches deadlock there.
CALL () {
  UNWIND $projects AS place
  WITH DISTINCT place.entity AS entity, place.project AS project
  MERGE (e:Entity {name: entity})
    ON CREATE SET e.created_at = datetime(), e._new = true
  MERGE (p:Project {entity: entity, name: project})
    ON CREATE SET p.created_at = datetime(), p._new = true
  WITH e, p, p._new AS new_project
  FOREACH (_ IN CASE WHEN new_project THEN [1] ELSE [] END | REMOVE p._new CREATE (p)-[:IN]->(e))
  WITH e, e._new AS new
  FOREACH (_ IN CASE WHEN new THEN [1] ELSE [] END | REMOVE e._new)
  RETURN collect(DISTINCT CASE WHEN new THEN e.name END) AS created
}
CALL () {
  UNWIND $runs AS run
  MATCH (p:Project {entity: run.entity, name: run.project})
  MERGE (r:Run {id: run.id})
    ON CREATE SET r.run_id = run.run_id, r.entity = run.entity, r.project = run.project, r.name = run.name,
                  r.job_type = run.job_type, r.group = run.group, r.config = run.config, r.tags = run.tags,
                  r.notes = run.notes, r.state = 'running', r.user = $caller.user, r.created_at = datetime(),
                  r.heartbeat_at = datetime(), r._new = true
  WITH r, run, p, r._new AS new
  FOREACH (_ IN CASE WHEN new THEN [1] ELSE [] END | REMOVE r._new CREATE (r)-[:IN]->(p))
  WITH r, run
  WHERE run.state <> 'running' AND r.state IN ['running', 'crashed']
  SET r.state = run.state, r.finished_at = datetime()
  RETURN count(r) AS ended
}
RETURN created, ended
