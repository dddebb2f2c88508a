// Aliases by collection alone: how many aliases a collection holds is counted each time one is set
// (a collection holds at most 100), which the composite alias_key constraint cannot answer by itself.
CREATE INDEX alias_collection IF NOT EXISTS FOR (a:Alias) ON (a.collection_id);
