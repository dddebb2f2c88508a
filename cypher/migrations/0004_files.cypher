// File contents by sha256: (:ArtifactVersion)-[:CONTAINS]->(:File {digest}), so "which versions hold this
// file?" is one lookup, and a download is allowed only to those who may see such a version.
CREATE CONSTRAINT file_digest IF NOT EXISTS FOR (f:File) REQUIRE f.digest IS UNIQUE;
