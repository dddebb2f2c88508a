// Runs the graphql-http audit suite (every MUST, SHOULD and MAY of the GraphQL-over-HTTP spec it checks)
// against STEMMA_URL/graphql with STEMMA_API_KEY, and prints each audit's id, name, status and reason as JSON.
import { auditServer } from "graphql-http";

const key = process.env.STEMMA_API_KEY;

function signed(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url: `${process.env.STEMMA_URL}/graphql`, fetchFn: signed });
const shown = await Promise.all(
  results.map(async (result) => ({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === "ok" ? null : `${result.reason}: ${await result.response.text()}`,
  })),
);
process.stdout.write(JSON.stringify(shown, null, 2) + "\n");
