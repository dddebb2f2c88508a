/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** UPSTREAM goes against the arrows (inputs), DOWNSTREAM with them (outputs); BOTH is the union of the two cones. */
export type LineageDirection =
  | 'BOTH'
  | 'DOWNSTREAM'
  | 'UPSTREAM';

/** USED_BY: artifact version -> run that used it. LOGGED: run -> version it logged. */
export type LineageEdgeKind =
  | 'LOGGED'
  | 'USED_BY';

export type LineageNodeKind =
  | 'ARTIFACT'
  | 'RUN';

/** Where a run stands; a run that stops reporting is swept to CRASHED. */
export type RunState =
  | 'CRASHED'
  | 'FAILED'
  | 'FINISHED'
  | 'RUNNING';

export type ZooLineageQueryVariables = Exact<{
  ref: string;
  direction: LineageDirection;
  depth: number;
}>;


export type ZooLineageQuery = { lineage: { truncated: boolean, root:
      | { ref: string }
      | Record<PropertyKey, never>
    , nodes: Array<
      | { __typename: 'ArtifactVersion', id: string, ref: string, type: string, aliases: Array<string>, createdAt: string }
      | { __typename: 'RedactedNode' }
      | { __typename: 'Run', id: string, name: string | null, state: RunState, jobType: string | null }
    >, edges: Array<{ kind: LineageEdgeKind, from: string, to: string }>, clusters: Array<{ count: number, jobType: string | null, collection: string | null }> } };

export type ArtifactCollectionSummaryFragment = { name: string, ref: string, type: string };

export type RegistryCollectionSummaryFragment = { name: string, ref: string, type: string | null };

export type EntityPageFragment = { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, registries: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, description: string | null, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string | null } }> } } }> }, projects: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string } }> } } }> } } }> };

export type RegistryPageFragment = { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, description: string | null, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string | null } }> } } }> };

export type ProjectPageFragment = { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string } }> } } }> };

export type HomeQueryVariables = Exact<{ [key: string]: never; }>;


export type HomeQuery = { entities: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, registries: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, description: string | null, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string | null } }> } } }> }, projects: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, collections: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { name: string, ref: string, type: string } }> } } }> } } }> } };

export type VersionChoiceFragment = { ref: string, version: number, versionName: string, aliases: Array<string> };

export type ArtifactCollectionQueryVariables = Exact<{
  ref: string;
}>;


export type ArtifactCollectionQuery = { artifactCollection: { ref: string, name: string, type: string, description: string | null, versions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { ref: string, version: number, versionName: string, aliases: Array<string> } }> } } };

export type RegistryCollectionQueryVariables = Exact<{
  ref: string;
}>;


export type RegistryCollectionQuery = { registryCollection: { ref: string, name: string, registry: string, type: string | null, description: string | null, versions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { ref: string, version: number, versionName: string, aliases: Array<string>, artifact: { ref: string } } }> } } };

type LineageNodeFields_ArtifactVersion_Fragment = { __typename: 'ArtifactVersion', id: string, ref: string, versionName: string, type: string, aliases: Array<string>, deleted: boolean, collectionName: string, links: Array<{ ref: string, aliases: Array<string> }> };

type LineageNodeFields_RedactedNode_Fragment = { __typename: 'RedactedNode', id: string, kind: LineageNodeKind };

type LineageNodeFields_Run_Fragment = { __typename: 'Run', id: string, ref: string, runId: string, name: string | null, state: RunState, jobType: string | null, group: string | null };

export type LineageNodeFieldsFragment =
  | LineageNodeFields_ArtifactVersion_Fragment
  | LineageNodeFields_RedactedNode_Fragment
  | LineageNodeFields_Run_Fragment
;

export type LineageEdgeFieldsFragment = { kind: LineageEdgeKind, from: string, to: string, alias: string | null, created: boolean | null };

export type LineageQueryVariables = Exact<{
  ref: string;
  direction: LineageDirection;
  depth: number;
  clusterThreshold: number;
  maxNodes: number;
}>;


export type LineageQuery = { lineage: { truncated: boolean, root:
      | { id: string }
      | { id: string }
      | { id: string }
    , nodes: Array<
      | { __typename: 'ArtifactVersion', id: string, ref: string, versionName: string, type: string, aliases: Array<string>, deleted: boolean, collectionName: string, links: Array<{ ref: string, aliases: Array<string> }> }
      | { __typename: 'RedactedNode', id: string, kind: LineageNodeKind }
      | { __typename: 'Run', id: string, ref: string, runId: string, name: string | null, state: RunState, jobType: string | null, group: string | null }
    >, edges: Array<{ kind: LineageEdgeKind, from: string, to: string, alias: string | null, created: boolean | null }>, clusters: Array<{ id: string, parent: string, side: LineageDirection, kind: LineageNodeKind, edgeKind: LineageEdgeKind, count: number, jobType: string | null, group: string | null, collection: string | null, type: string | null, description: string }> } };

export type LimitsQueryVariables = Exact<{ [key: string]: never; }>;


export type LimitsQuery = { limits: { lineageMaxDepth: number, lineageMaxNodes: number, lineageMaxClusterThreshold: number } };

export type ClusterPageQueryVariables = Exact<{
  id: string | number;
  first: number;
  after: string | null | undefined;
}>;


export type ClusterPageQuery = { lineageCluster: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node:
        | { __typename: 'ArtifactVersion', id: string, ref: string, versionName: string, type: string, aliases: Array<string>, deleted: boolean, collectionName: string, links: Array<{ ref: string, aliases: Array<string> }> }
        | { __typename: 'RedactedNode', id: string, kind: LineageNodeKind }
        | { __typename: 'Run', id: string, ref: string, runId: string, name: string | null, state: RunState, jobType: string | null, group: string | null }
      , edge: { kind: LineageEdgeKind, from: string, to: string, alias: string | null, created: boolean | null } }> } };

export type RunDetailsQueryVariables = Exact<{
  id: string | number;
}>;


export type RunDetailsQuery = { run: { id: string, ref: string, runId: string, entity: string, project: string, name: string | null, state: RunState, jobType: string | null, group: string | null, createdAt: string, finishedAt: string | null, user: string | null, tags: Array<string>, inputs: { totalCount: number, edges: Array<{ alias: string | null, node: { ref: string, type: string } }> }, outputs: { totalCount: number, edges: Array<{ created: boolean, node: { ref: string, type: string } }> } } };

export type ArtifactDetailsQueryVariables = Exact<{
  ref: string;
  files: boolean;
}>;


export type ArtifactDetailsQuery = { artifact: { id: string, ref: string, name: string, versionName: string, type: string, createdAt: string, aliases: Array<string>, digest: string, size: number, fileCount: number, metadata: unknown, description: string | null, deleted: boolean, createdBy: { ref: string, name: string | null } | null, links: Array<{ ref: string, aliases: Array<string> }>, files?: Array<{ path: string, digest: string, size: number, ref: string | null }> } };

export type SearchQueryVariables = Exact<{
  query: string;
  first: number | null | undefined;
}>;


export type SearchQuery = { search: { totalCount: number, edges: Array<{ cursor: string, matched: string, node:
        | { __typename: 'ArtifactCollection', id: string, ref: string, name: string, type: string }
        | { __typename: 'ArtifactVersion', id: string, ref: string, aliases: Array<string> }
        | { __typename: 'Registry', id: string, entity: string, name: string }
        | { __typename: 'RegistryCollection', id: string, ref: string, name: string }
        | { __typename: 'RegistryVersion', id: string, ref: string, aliases: Array<string> }
        | { __typename: 'Run', id: string, ref: string, state: RunState, runName: string | null }
       }> } };
