// The key the server signs the wandb client's download URLs with (they are fetched without credentials),
// made once per database; only superusers (the Cypher console) can read it, as they can read everything.
MERGE (s:ServerSecret {name: 'wandb_signed_urls'})
  ON CREATE SET s.value = randomUUID() + randomUUID()
RETURN s.value AS key
