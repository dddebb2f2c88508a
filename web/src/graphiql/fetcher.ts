// GraphiQL's requests: POST /graphql on this server, signed in the way the lineage page is (src/api.ts).

import { GraphQLError, type ExecutionResult } from "graphql";
import type { ComponentProps } from "react";
import type { GraphiQL } from "graphiql";
import { keyHeaders } from "../api";

type Fetcher = ComponentProps<typeof GraphiQL>["fetcher"];

/** Any JSON answer is shown as the server wrote it, errors included; anything else becomes one error naming the status. */
export const stemmaFetcher: Fetcher = async (params, options) => {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json;q=0.9",
      ...keyHeaders(),
      ...options?.headers,
    },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as ExecutionResult;
  } catch {
    return {
      errors: [
        new GraphQLError(`The server answered ${response.status} ${response.statusText}: ${text.slice(0, 300)}`),
      ],
    };
  }
};
