// Every GraphQL document the page sends, with the shapes of their answers. Each is exported:
// tests/web/test_queries.py reads them through this module (documents.mjs) and validates them against the schema.

import { query } from "./api";

export type Direction = "UPSTREAM" | "DOWNSTREAM" | "BOTH";
export type EdgeKind = "USED_BY" | "LOGGED";
export type NodeKind = "RUN" | "ARTIFACT";
export type RunState = "RUNNING" | "FINISHED" | "FAILED" | "CRASHED";

interface Connection<TNode> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: TNode }[];
}

export interface CollectionSummary {
  name: string;
  ref: string;
  type: string | null;
}

export interface Home {
  entities: Connection<{
    name: string;
    registries: Connection<{ name: string; description: string | null; collections: Connection<CollectionSummary> }>;
    projects: Connection<{ name: string; collections: Connection<CollectionSummary> }>;
  }>;
}

/**
 * A fragment selecting one page of a connection: its size, where the next page starts, and `fields` of each node.
 * Every list the page shows is read this way.
 */
function pageFragment(name: string, connection: string, fields: string): string {
  return `fragment ${name} on ${connection} { totalCount pageInfo { hasNextPage endCursor } edges { node { ${fields} } } }`;
}

const COLLECTION_SUMMARY = "name ref type";

export const HOME = query<Home>(/* GraphQL */ `
  query Home {
    entities(first: 50) {
      ...EntityPage
    }
  }
  ${pageFragment("EntityPage", "EntityConnection", "name registries(first: 50) { ...RegistryPage } projects(first: 50) { ...ProjectPage }")}
  ${pageFragment("RegistryPage", "RegistryConnection", "name description collections(first: 100) { ...RegistryCollectionPage }")}
  ${pageFragment("RegistryCollectionPage", "RegistryCollectionConnection", COLLECTION_SUMMARY)}
  ${pageFragment("ProjectPage", "ProjectConnection", "name collections(first: 100) { ...ArtifactCollectionPage }")}
  ${pageFragment("ArtifactCollectionPage", "ArtifactCollectionConnection", COLLECTION_SUMMARY)}
`);

/** One choice in the version dropdown: `ref` is what lineage and details are asked for. */
export interface VersionChoice {
  ref: string;
  version: number;
  versionName: string;
  aliases: string[];
}

export interface ArtifactCollectionVersions {
  artifactCollection: {
    ref: string;
    name: string;
    type: string;
    description: string | null;
    versions: Connection<VersionChoice>;
  };
}

/** What a version dropdown shows of each version; the same fields on a collection's and a registry's versions. */
const VERSION_CHOICE = "ref version versionName aliases";

export const ARTIFACT_COLLECTION = query<ArtifactCollectionVersions, { ref: string }>(/* GraphQL */ `
  query ArtifactCollection($ref: String!) {
    artifactCollection(ref: $ref) {
      ref
      name
      type
      description
      versions(first: 100) {
        ...VersionPage
      }
    }
  }
  ${pageFragment("VersionPage", "ArtifactVersionConnection", VERSION_CHOICE)}
`);

export interface RegistryCollectionVersions {
  registryCollection: {
    ref: string;
    name: string;
    registry: string;
    type: string | null;
    description: string | null;
    versions: Connection<VersionChoice & { artifact: { ref: string } }>;
  };
}

export const REGISTRY_COLLECTION = query<RegistryCollectionVersions, { ref: string }>(/* GraphQL */ `
  query RegistryCollection($ref: String!) {
    registryCollection(ref: $ref) {
      ref
      name
      registry
      type
      description
      versions(first: 100) {
        ...RegistryVersionPage
      }
    }
  }
  ${pageFragment("RegistryVersionPage", "RegistryVersionConnection", `${VERSION_CHOICE} artifact { ref }`)}
`);

export interface LineageRun {
  __typename: "Run";
  id: string;
  runId: string;
  name: string | null;
  state: RunState;
  jobType: string | null;
}

export interface LineageArtifact {
  __typename: "ArtifactVersion";
  id: string;
  ref: string;
  collectionName: string;
  versionName: string;
  type: string;
  aliases: string[];
  deleted: boolean;
}

/** A node the caller may not see: the lineage keeps its shape, nothing else is told. */
export interface LineageRedacted {
  __typename: "RedactedNode";
  id: string;
  kind: NodeKind;
}

export type LineageNode = LineageRun | LineageArtifact | LineageRedacted;

export interface LineageEdge {
  kind: EdgeKind;
  from: string;
  to: string;
  alias: string | null;
  created: boolean | null;
}

export interface LineageCluster {
  id: string;
  parent: string;
  side: Direction;
  kind: NodeKind;
  edgeKind: EdgeKind;
  count: number;
  jobType: string | null;
  collection: string | null;
  type: string | null;
}

export interface Lineage {
  lineage: {
    root: { id: string };
    nodes: LineageNode[];
    edges: LineageEdge[];
    clusters: LineageCluster[];
    truncated: boolean;
  };
}

export interface LineageVariables {
  ref: string;
  direction: Direction;
  depth: number;
  clusterThreshold: number;
  maxNodes: number;
}

/** What the graph shows of a node and an edge, shared by the lineage and a cluster's pages. */
const LINEAGE_FRAGMENTS = /* GraphQL */ `
  fragment LineageNodeFields on LineageNode {
    __typename
    ... on Run {
      id
      runId
      name
      state
      jobType
    }
    ... on ArtifactVersion {
      id
      ref
      collectionName: name
      versionName
      type
      aliases
      deleted
    }
    ... on RedactedNode {
      id
      kind
    }
  }
  fragment LineageEdgeFields on LineageEdge {
    kind
    from
    to
    alias
    created
  }
`;

export const LINEAGE = query<Lineage, LineageVariables>(/* GraphQL */ `
  query Lineage($ref: String!, $direction: LineageDirection!, $depth: Int!, $clusterThreshold: Int!, $maxNodes: Int!) {
    lineage(ref: $ref, direction: $direction, depth: $depth, clusterThreshold: $clusterThreshold, maxNodes: $maxNodes) {
      root {
        ... on Run {
          id
        }
        ... on ArtifactVersion {
          id
        }
        ... on RedactedNode {
          id
        }
      }
      nodes {
        ...LineageNodeFields
      }
      edges {
        ...LineageEdgeFields
      }
      clusters {
        id
        parent
        side
        kind
        edgeKind
        count
        jobType
        collection
        type
      }
      truncated
    }
  }
  ${LINEAGE_FRAGMENTS}
`);

/** The server's bounds on lineage questions: the page offers choices within them. */
export interface ServerLimits {
  lineageMaxDepth: number;
  lineageMaxNodes: number;
  lineageMaxClusterThreshold: number;
}

export const LIMITS = query<{ limits: ServerLimits }>(/* GraphQL */ `
  query Limits {
    limits {
      lineageMaxDepth
      lineageMaxNodes
      lineageMaxClusterThreshold
    }
  }
`);

export interface ClusterPage {
  lineageCluster: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: LineageNode; edge: LineageEdge }[];
  };
}

export const CLUSTER_PAGE = query<ClusterPage, { id: string; first: number; after: string | null }>(/* GraphQL */ `
  query ClusterPage($id: ID!, $first: Int!, $after: String) {
    lineageCluster(id: $id, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...LineageNodeFields
        }
        edge {
          ...LineageEdgeFields
        }
      }
    }
  }
  ${LINEAGE_FRAGMENTS}
`);

interface ArtifactLink {
  alias?: string | null;
  created?: boolean;
  node: { ref: string; type: string };
}

export interface RunDetails {
  run: {
    id: string;
    runId: string;
    entity: string;
    project: string;
    name: string | null;
    state: RunState;
    jobType: string | null;
    createdAt: string;
    finishedAt: string | null;
    user: string | null;
    tags: string[];
    inputs: { totalCount: number; edges: ArtifactLink[] };
    outputs: { totalCount: number; edges: ArtifactLink[] };
  };
}

export const RUN_DETAILS = query<RunDetails, { id: string }>(/* GraphQL */ `
  query RunDetails($id: ID!) {
    run(id: $id) {
      id
      runId
      entity
      project
      name
      state
      jobType
      createdAt
      finishedAt
      user
      tags
      inputs(first: 50) {
        totalCount
        edges {
          alias
          node {
            ref
            type
          }
        }
      }
      outputs(first: 50) {
        totalCount
        edges {
          created
          node {
            ref
            type
          }
        }
      }
    }
  }
`);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ArtifactDetails {
  artifact: {
    id: string;
    ref: string;
    name: string;
    versionName: string;
    type: string;
    createdAt: string;
    aliases: string[];
    digest: string;
    size: number;
    fileCount: number;
    metadata: JsonValue;
    description: string | null;
    deleted: boolean;
    createdBy: { id: string; name: string | null } | null;
    links: { ref: string; aliases: string[] }[];
  };
}

export const ARTIFACT_DETAILS = query<ArtifactDetails, { ref: string }>(/* GraphQL */ `
  query ArtifactDetails($ref: String!) {
    artifact(ref: $ref) {
      id
      ref
      name
      versionName
      type
      createdAt
      aliases
      digest
      size
      fileCount
      metadata
      description
      deleted
      createdBy {
        id
        name
      }
      links {
        ref
        aliases
      }
    }
  }
`);
