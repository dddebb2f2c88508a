// Start a run in ENTITY/PROJECT, creating the entity and the project on first
// use. The client chooses the run id, so repeating the request changes nothing.
MERGE (e:Entity {name: $entity})
  ON CREATE SET e.created_at = datetime()
MERGE (p:Project {entity: $entity, name: $project})
  ON CREATE SET p.created_at = datetime()
MERGE (p)-[:IN]->(e)
MERGE (r:Run {id: $id})
  ON CREATE SET r.run_id = $run_id, r.entity = $entity, r.project = $project, r.name = $name,
                r.job_type = $job_type, r.config = $config, r.tags = $tags, r.notes = $notes,
                r.state = 'running', r.user = $caller.user,
                r.created_at = datetime(), r.heartbeat_at = datetime()
MERGE (r)-[:IN]->(p)
RETURN r.id AS id, r.entity = $entity AND r.project = $project AS same_project
