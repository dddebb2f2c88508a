// Each artifact collection keeps how many of its versions are live, so listing a
// collection's versions answers totalCount without reading every version.
MATCH (c:ArtifactCollection) WHERE c.live_versions IS NULL
SET c.live_versions = COUNT { (v:ArtifactVersion)-[:VERSION_OF]->(c) WHERE v.state <> 'deleted' };
