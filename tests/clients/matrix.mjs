// Asks a real Stemma server the same questions through real GraphQL clients — @urql/core, graphql-request and
// Apollo Client (with automatic persisted queries, by POST and by GET) — and prints what each one got, as JSON:
// a cursor walk over STEMMA_COLLECTION's versions (a fragment and variables), and the code of a refused request.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client, fetchExchange } from "@urql/core";
import { GraphQLClient } from "graphql-request";
import { createHash } from "node:crypto";

const url = `${process.env.STEMMA_URL}/graphql`;
const headers = { authorization: `Bearer ${process.env.STEMMA_API_KEY}` };
const collection = process.env.STEMMA_COLLECTION;
const PAGE = `
  fragment VersionFields on ArtifactVersion { ref version aliases }
  query Versions($ref: String!, $after: String) {
    artifactCollection(ref: $ref) {
      versions(first: 2, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { ...VersionFields } }
      }
    }
  }`;
const MISSING = `query Missing($ref: String!) { artifact(ref: $ref) { ref } }`;
const missingRef = `${collection}:v999`;

async function walk(ask) {
  const refs = [];
  let after = null;
  for (;;) {
    const page = (await ask({ ref: collection, after })).artifactCollection.versions;
    refs.push(...page.edges.map((edge) => edge.node.ref));
    if (!page.pageInfo.hasNextPage) return { totalCount: page.totalCount, refs };
    after = page.pageInfo.endCursor;
  }
}

async function urql() {
  const client = new Client({ url, exchanges: [fetchExchange], fetchOptions: { headers } });
  const ask = async (query, variables) => {
    const result = await client.query(query, variables, { requestPolicy: "network-only" }).toPromise();
    if (result.error) throw result.error;
    return result.data;
  };
  const missing = await client.query(MISSING, { ref: missingRef }).toPromise();
  return { walk: await walk((v) => ask(PAGE, v)), refused: missing.error.graphQLErrors[0].extensions.code };
}

async function graphqlRequest() {
  const client = new GraphQLClient(url, { headers });
  let refused = null;
  try {
    await client.request(MISSING, { ref: missingRef });
  } catch (error) {
    refused = error.response.errors[0].extensions.code;
  }
  return { walk: await walk((v) => client.request(PAGE, v)), refused };
}

async function apollo(useGETForHashedQueries) {
  const sent = [];
  const recording = (input, init) => {
    const asked = init.method === "GET" ? new URL(input).searchParams.get("query") : JSON.parse(init.body).query;
    sent.push(`${init.method} ${asked ? "document" : "hash"}`);
    return fetch(input, init);
  };
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      new PersistedQueryLink({ sha256, useGETForHashedQueries }),
      new HttpLink({ uri: url, headers, fetch: recording }),
    ]),
  });
  const ask = async (query, variables) =>
    (await client.query({ query: gql(query), variables, fetchPolicy: "network-only" })).data;
  let refused = null;
  try {
    await client.query({ query: gql(MISSING), variables: { ref: missingRef }, fetchPolicy: "network-only" });
  } catch (error) {
    refused = error.errors[0].extensions.code;
  }
  return { walk: await walk((v) => ask(PAGE, v)), refused, sent };
}

const answers = {
  urql: await urql(),
  "graphql-request": await graphqlRequest(),
  "apollo (APQ, POST)": await apollo(false),
  "apollo (APQ, GET)": await apollo(true),
};
process.stdout.write(JSON.stringify(answers, null, 2) + "\n");
