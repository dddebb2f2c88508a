"""Every GraphQL document the SDK sends; a contract test validates each against the server's schema."""

from __future__ import annotations

RUN_FIELDS = """
fragment RunFields on Run {
  id ref runId entity project name state jobType group createdAt finishedAt heartbeatAt config summary lastStep
  tags notes user
}
"""

ARTIFACT_FIELDS = """
fragment ArtifactFields on ArtifactVersion {
  id entity project name type version ref digest size fileCount metadata description tags createdAt state aliases
}
"""

FILE_FIELDS = """
fragment FileFields on ArtifactVersion {
  files { path digest size ref }
}
"""

CREATE_RUN = (
    """
mutation CreateRun($input: CreateRunInput!) {
  createRun(input: $input) { ...RunFields }
}
"""
    + RUN_FIELDS
)

FINISH_RUN = (
    """
mutation FinishRun($id: ID!, $state: RunState!) {
  finishRun(id: $id, state: $state) { ...RunFields }
}
"""
    + RUN_FIELDS
)

RECORD_RUNS = """
mutation RecordRuns($runs: [RecordRunInput!]!) {
  recordRuns(runs: $runs) { runs used logged versionsCreated }
}
"""

RESUME_RUN = (
    """
mutation ResumeRun($id: ID!) {
  resumeRun(id: $id) { ...RunFields }
}
"""
    + RUN_FIELDS
)

LOG_RUN = """
mutation LogRun($input: LogRunInput!) {
  logRun(input: $input) { id }
}
"""

RUN_HISTORY = """
query RunHistory($id: ID!, $afterStep: Long, $maxRows: Int!) {
  runHistory(id: $id, afterStep: $afterStep, maxRows: $maxRows) { rows hasMore endStep }
}
"""

ME = """
query Me {
  me { user defaultEntity }
}
"""

HEARTBEAT = """
mutation Heartbeat($id: ID!) {
  heartbeat(id: $id)
}
"""

LOG_ARTIFACT = (
    """
mutation LogArtifact($input: LogArtifactInput!) {
  logArtifact(input: $input) { created artifact { ...ArtifactFields ...FileFields } }
}
"""
    + ARTIFACT_FIELDS
    + FILE_FIELDS
)

USE_ARTIFACT = (
    """
mutation UseArtifact($runId: ID!, $ref: String!) {
  useArtifact(runId: $runId, ref: $ref) { ...ArtifactFields ...FileFields }
}
"""
    + ARTIFACT_FIELDS
    + FILE_FIELDS
)

SET_ALIAS = (
    """
mutation SetAlias($ref: String!, $alias: String!) {
  setAlias(ref: $ref, alias: $alias) { ...ArtifactFields }
}
"""
    + ARTIFACT_FIELDS
)

LINK_ARTIFACT = """
mutation LinkArtifact($ref: String!, $target: String!, $aliases: [String!]) {
  linkArtifact(ref: $ref, target: $target, aliases: $aliases) {
    ref version linkedAt linkedBy aliases artifact { ref }
  }
}
"""

MISSING_FILES = """
query MissingFiles($digests: [String!]!) {
  missingFiles(digests: $digests)
}
"""

CREATE_REGISTRY = """
mutation CreateRegistry($entity: String!, $name: String!, $description: String) {
  createRegistry(entity: $entity, name: $name, description: $description) { entity name description }
}
"""

ARTIFACT = (
    """
query Artifact($ref: String!) {
  artifact(ref: $ref) { ...ArtifactFields ...FileFields }
}
"""
    + ARTIFACT_FIELDS
    + FILE_FIELDS
)

ARTIFACT_FILES = (
    """
query ArtifactFiles($ref: String!) {
  artifact(ref: $ref) { ...FileFields }
}
"""
    + FILE_FIELDS
)

CREATED_BY = (
    """
query CreatedBy($ref: String!) {
  artifact(ref: $ref) { createdBy { ...RunFields } }
}
"""
    + RUN_FIELDS
)


def page_query(operation: str, root: str, key: str, key_type: str, connection: str, fragment: str) -> str:
    """The query for one page of `connection` under the root field `root(key: $key)`, aliased `page` as
    GraphQLClient.nodes reads it; each node is read with `fragment`."""
    fragment_name = fragment.split()[1]
    return (
        f"""
query {operation}(${key}: {key_type}, $first: Int!, $after: String) {{
  {root}({key}: ${key}) {{
    page: {connection}(first: $first, after: $after) {{ edges {{ node {{ ...{fragment_name} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
        + fragment
    )


LOGGED_BY = page_query("LoggedBy", "artifact", "ref", "String!", "loggedBy", RUN_FIELDS)
USED_BY = page_query("UsedBy", "artifact", "ref", "String!", "usedBy", RUN_FIELDS)
RUN_INPUTS = page_query("RunInputs", "run", "id", "ID!", "inputs", ARTIFACT_FIELDS)
RUN_OUTPUTS = page_query("RunOutputs", "run", "id", "ID!", "outputs", ARTIFACT_FIELDS)

RUN = (
    """
query Run($id: ID!) {
  run(id: $id) { ...RunFields }
}
"""
    + RUN_FIELDS
)

COLLECTION_FIELDS = """
fragment CollectionFields on ArtifactCollection {
  id entity project name ref type description tags createdAt metadata aliases { name version }
}
"""

# A connection read both ways: forward with first/after, or oldest first with last/before (Paged).
PAGE_SELECTION = """totalCount edges { node { ...%s } }
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor }"""
PAGE_VARIABLES = "$first: Int, $after: String, $last: Int, $before: String"
PAGE_ARGUMENTS = "first: $first, after: $after, last: $last, before: $before"

RUNS = (
    f"""
query Runs($entity: String!, $project: String!, $state: RunState, $jobType: String, $group: String,
           $tags: [String!], {PAGE_VARIABLES}) {{
  page: runs(entity: $entity, project: $project, state: $state, jobType: $jobType, group: $group, tags: $tags,
             {PAGE_ARGUMENTS}) {{ {PAGE_SELECTION % "RunFields"} }}
}}
"""
    + RUN_FIELDS
)

COLLECTIONS = (
    f"""
query Collections($entity: String!, $project: String!, $type: String, {PAGE_VARIABLES}) {{
  page: collections(entity: $entity, project: $project, type: $type, {PAGE_ARGUMENTS}) {{
    {PAGE_SELECTION % "CollectionFields"}
  }}
}}
"""
    + COLLECTION_FIELDS
)

COLLECTION = (
    """
query Collection($ref: String!) {
  artifactCollection(ref: $ref) { ...CollectionFields }
}
"""
    + COLLECTION_FIELDS
)

COLLECTION_VERSIONS = (
    f"""
query CollectionVersions($ref: String!, {PAGE_VARIABLES}) {{
  artifactCollection(ref: $ref) {{ type page: versions({PAGE_ARGUMENTS}) {{ {PAGE_SELECTION % "ArtifactFields"} }} }}
}}
"""
    + ARTIFACT_FIELDS
)

LINEAGE_DIRECTIONS = ("UPSTREAM", "DOWNSTREAM", "BOTH")

# In a union, fields of one response name must share a type: a run's name and state are renamed here.
LINEAGE_RUN_FIELDS = """
fragment LineageRunFields on Run {
  id ref runId entity project runName: name runState: state jobType group createdAt finishedAt heartbeatAt config tags
  notes
}
"""


def lineage(direction: str) -> str:
    """The lineage query for one of LINEAGE_DIRECTIONS, written as a literal so no enum type name is assumed."""
    if direction not in LINEAGE_DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(LINEAGE_DIRECTIONS)}")
    return (
        """
query Lineage($ref: String!, $depth: Int, $clusterThreshold: Int, $maxNodes: Int, $asOf: DateTime) {
  lineage(ref: $ref, direction: """
        + direction
        + """, depth: $depth, clusterThreshold: $clusterThreshold, maxNodes: $maxNodes, asOf: $asOf) {
    root { ...LineageNodeFields }
    nodes { ...LineageNodeFields }
    edges { kind from to at }
    clusters { id parent side kind count leaves description }
    truncated
  }
}
fragment LineageNodeFields on LineageNode {
  __typename
  ... on Run { ...LineageRunFields }
  ... on ArtifactVersion { ...ArtifactFields }
  ... on RedactedNode { id kind }
}
"""
        + LINEAGE_RUN_FIELDS
        + ARTIFACT_FIELDS
    )


PAGE_SIZE = 100

DOCUMENTS = {
    "CreateRun": CREATE_RUN,
    "FinishRun": FINISH_RUN,
    "ResumeRun": RESUME_RUN,
    "RecordRuns": RECORD_RUNS,
    "Runs": RUNS,
    "Collections": COLLECTIONS,
    "Collection": COLLECTION,
    "CollectionVersions": COLLECTION_VERSIONS,
    "Heartbeat": HEARTBEAT,
    "LogArtifact": LOG_ARTIFACT,
    "UseArtifact": USE_ARTIFACT,
    "SetAlias": SET_ALIAS,
    "LinkArtifact": LINK_ARTIFACT,
    "CreateRegistry": CREATE_REGISTRY,
    "MissingFiles": MISSING_FILES,
    "Artifact": ARTIFACT,
    "ArtifactFiles": ARTIFACT_FILES,
    "CreatedBy": CREATED_BY,
    "LoggedBy": LOGGED_BY,
    "UsedBy": USED_BY,
    "Run": RUN,
    "RunInputs": RUN_INPUTS,
    "RunOutputs": RUN_OUTPUTS,
    **{f"Lineage{direction.title()}": lineage(direction) for direction in LINEAGE_DIRECTIONS},
}
