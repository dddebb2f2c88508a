// @neo4j/graphql over Stemma's graph, served by @apollo/server: the peer in Stemma's benchmarks.
// Usage: node server.mjs PORT BOLT_URI
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const [port, uri] = process.argv.slice(2);
const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
const driver = neo4j.driver(uri, undefined, { disableLosslessIntegers: true });
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
const server = new ApolloServer({ schema, introspection: true });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { defaultAccessMode: "READ" } }),
});
console.log(`peer ready at ${url}`);
const stop = async () => {
  await server.stop();
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
