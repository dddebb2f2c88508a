// What GraphiQL shows a first-time visitor: the zoo example `stemma demo` builds, asked as one lineage question.

import { query } from "../api";
import type { ZooLineageQuery, ZooLineageQueryVariables } from "../generated/graphql";

export const ZOO_LINEAGE = query<ZooLineageQuery, ZooLineageQueryVariables>(/* GraphQL */ `
  # The zoo example (stemma demo logs it): where did
  # the model come from, and what used it? Ctrl-Enter
  # runs it; the Explorer builds queries by clicking.
  query ZooLineage($ref: String!, $direction: LineageDirection!, $depth: Int!) {
    lineage(ref: $ref, direction: $direction, depth: $depth) {
      root {
        ... on ArtifactVersion {
          ref
        }
      }
      nodes {
        __typename
        ... on Run {
          id
          name
          state
          jobType
        }
        ... on ArtifactVersion {
          id
          ref
          type
          aliases
          createdAt
        }
      }
      edges {
        kind
        from
        to
      }
      clusters {
        count
        jobType
        collection
      }
      truncated
    }
  }
`);

export const ZOO_LINEAGE_VARIABLES: ZooLineageQueryVariables = {
  ref: "zoo-team/zoo/zoo-ylbchv20:v0",
  direction: "BOTH",
  depth: 3,
};
