// @neo4j/graphql over Stemma's graph, served by @apollo/server: the peer in Stemma's benchmarks.
// Usage: node server.mjs PORT BOLT_URI [KEEP_ALIVE_MS]; credentials from STEMMA_NEO4J_USER / _PASSWORD.
// Without KEEP_ALIVE_MS the server keeps Node's default (5 s), as a deployment that never set it would.
//
// Served by Node's own HTTP server rather than startStandaloneServer so that the keep-alive timeout is
// set here, explicitly: Node's default (5 s) closes a benchmark connection that waits through a slow row.
import http from "node:http";
import { readFileSync } from "node:fs";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const [port, uri, keepAlive] = process.argv.slice(2);
const typeDefs = readFileSync(
  new URL("./typeDefs.graphql", import.meta.url),
  "utf8",
);
const password = process.env.STEMMA_NEO4J_PASSWORD;
const auth = password ? neo4j.auth.basic(process.env.STEMMA_NEO4J_USER ?? "neo4j", password) : undefined;
const driver = neo4j.driver(uri, auth, { disableLosslessIntegers: true });
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
const server = new ApolloServer({ schema, introspection: true });
await server.start();

async function answer(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: "the body is not JSON" }] }));
    return;
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: req.method.toUpperCase(),
      headers,
      search: new URL(req.url, "http://127.0.0.1").search,
      body,
    },
    context: async () => ({ sessionConfig: { defaultAccessMode: "READ" } }),
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

const httpServer = http.createServer((req, res) => {
  answer(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent)
      res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: "the peer failed" }] }));
  });
});
if (keepAlive !== undefined) {
  httpServer.keepAliveTimeout = Number(keepAlive);
  httpServer.headersTimeout = Number(keepAlive) + 1000;
}
httpServer.listen(Number(port), "127.0.0.1", () => {
  console.log(
    `peer ready at http://127.0.0.1:${port}/ (keep-alive ${httpServer.keepAliveTimeout} ms)`,
  );
});
const stop = async () => {
  httpServer.close();
  await server.stop();
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
