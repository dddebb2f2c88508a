// The search box's one GraphQL document (src/search.ts sends it); documents.mjs lists this module for
// tests/web/test_queries.py, and codegen types its answer.

import { query } from "./api";
import type { SearchQuery, SearchQueryVariables } from "./generated/graphql";

export type SearchHit = SearchQuery["search"]["edges"][number];

export const SEARCH = query<SearchQuery, SearchQueryVariables>(/* GraphQL */ `
  query Search($query: String!, $first: Int) {
    search(query: $query, first: $first) {
      totalCount
      edges {
        cursor
        matched
        node {
          __typename
          ... on ArtifactCollection {
            id
            ref
            name
            type
          }
          ... on RegistryCollection {
            id
            ref
            name
          }
          ... on ArtifactVersion {
            id
            ref
            aliases
          }
          ... on RegistryVersion {
            id
            ref
            aliases
          }
          ... on Run {
            id
            ref
            runName: name
            state
          }
          ... on Registry {
            id
            entity
            name
          }
        }
      }
    }
  }
`);
