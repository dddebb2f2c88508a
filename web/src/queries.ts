// Every GraphQL document the page sends. Their answers' types are generated from the schema and these documents
// (`npm run codegen` writes src/generated/graphql.ts; `npm run codegen-check` fails when it is stale), so a schema
// change that breaks the page fails its build. tests/web/test_queries.py validates the texts as sent, too.

import { query } from "./api";
import type {
  ArtifactCollectionQuery,
  ArtifactCollectionQueryVariables,
  ArtifactCollectionSummaryFragment,
  ArtifactDetailsQuery,
  ArtifactDetailsQueryVariables,
  ClusterPageQuery,
  ClusterPageQueryVariables,
  HomeQuery,
  HomeQueryVariables,
  LimitsQuery,
  LimitsQueryVariables,
  LineageDirection,
  LineageEdgeFieldsFragment,
  LineageQuery,
  LineageQueryVariables,
  LineageNodeFieldsFragment,
  RegistryCollectionQuery,
  RegistryCollectionQueryVariables,
  RegistryCollectionSummaryFragment,
  RunDetailsQuery,
  RunDetailsQueryVariables,
  VersionChoiceFragment,
} from "./generated/graphql";

export type { ArtifactDetailsQuery, RunState } from "./generated/graphql";
export type Direction = LineageDirection;
export type Home = HomeQuery;
export type CollectionSummary = ArtifactCollectionSummaryFragment | RegistryCollectionSummaryFragment;
/** One choice in the version dropdown: `ref` is what lineage and details are asked for. */
export type VersionChoice = VersionChoiceFragment;
export type LineageNode = LineageNodeFieldsFragment;
export type LineageEdge = LineageEdgeFieldsFragment;
export type Lineage = LineageQuery;
export type LineageCluster = LineageQuery["lineage"]["clusters"][number];
export type ClusterPage = ClusterPageQuery;
/** The server's bounds on lineage questions: the page offers choices within them. */
export type ServerLimits = LimitsQuery["limits"];

// Every list the page shows is read as one page of a connection: its size, where the next page starts, its nodes.

const COLLECTION_PAGES = /* GraphQL */ `
  fragment ArtifactCollectionSummary on ArtifactCollection {
    name
    ref
    type
  }
  fragment RegistryCollectionSummary on RegistryCollection {
    name
    ref
    type
  }
  fragment EntityPage on EntityConnection {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        name
        registries(first: 50) {
          ...RegistryPage
        }
        projects(first: 50) {
          ...ProjectPage
        }
      }
    }
  }
  fragment RegistryPage on RegistryConnection {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        name
        description
        collections(first: 100) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              ...RegistryCollectionSummary
            }
          }
        }
      }
    }
  }
  fragment ProjectPage on ProjectConnection {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        name
        collections(first: 100) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              ...ArtifactCollectionSummary
            }
          }
        }
      }
    }
  }
`;

export const HOME = query<HomeQuery, HomeQueryVariables>(/* GraphQL */ `
  query Home {
    entities(first: 50) {
      ...EntityPage
    }
  }
  ${COLLECTION_PAGES}
`);

/** What a version dropdown shows of each version; the same fields on a collection's and a registry's versions. */
const VERSION_CHOICE = /* GraphQL */ `
  fragment VersionChoice on ArtifactVersion {
    ref
    version
    versionName
    aliases
  }
`;

export const ARTIFACT_COLLECTION = query<ArtifactCollectionQuery, ArtifactCollectionQueryVariables>(/* GraphQL */ `
  query ArtifactCollection($ref: String!) {
    artifactCollection(ref: $ref) {
      ref
      name
      type
      description
      versions(first: 100) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...VersionChoice
          }
        }
      }
    }
  }
  ${VERSION_CHOICE}
`);

export const REGISTRY_COLLECTION = query<RegistryCollectionQuery, RegistryCollectionQueryVariables>(/* GraphQL */ `
  query RegistryCollection($ref: String!) {
    registryCollection(ref: $ref) {
      ref
      name
      registry
      type
      description
      versions(first: 100) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ref
            version
            versionName
            aliases
            artifact {
              ref
            }
          }
        }
      }
    }
  }
`);

/** What the graph shows of a node and an edge, shared by the lineage and a cluster's pages. */
const LINEAGE_FRAGMENTS = /* GraphQL */ `
  fragment LineageNodeFields on LineageNode {
    __typename
    ... on Run {
      id
      ref
      runId
      name
      state
      jobType
      group
    }
    ... on ArtifactVersion {
      id
      ref
      collectionName: name
      versionName
      type
      aliases
      deleted
      links {
        ref
        aliases
      }
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
export const LINEAGE = query<LineageQuery, LineageQueryVariables>(/* GraphQL */ `
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
        group
        collection
        type
        description
      }
      truncated
    }
  }
  ${LINEAGE_FRAGMENTS}
`);

export const LIMITS = query<LimitsQuery, LimitsQueryVariables>(/* GraphQL */ `
  query Limits {
    limits {
      lineageMaxDepth
      lineageMaxNodes
      lineageMaxClusterThreshold
    }
  }
`);

export const CLUSTER_PAGE = query<ClusterPageQuery, ClusterPageQueryVariables>(/* GraphQL */ `
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

export const RUN_DETAILS = query<RunDetailsQuery, RunDetailsQueryVariables>(/* GraphQL */ `
  query RunDetails($id: ID!) {
    run(id: $id) {
      id
      ref
      runId
      entity
      project
      name
      state
      jobType
      group
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

export const ARTIFACT_DETAILS = query<ArtifactDetailsQuery, ArtifactDetailsQueryVariables>(/* GraphQL */ `
  query ArtifactDetails($ref: String!, $files: Boolean!) {
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
        ref
        name
      }
      links {
        ref
        aliases
      }
      files @include(if: $files) {
        path
        digest
        size
        ref
      }
    }
  }
`);
