// Prints every GraphQL document the page (src/queries.ts) and GraphiQL's example (src/graphiql/example.ts) export,
// by export name, as JSON. tests/web/test_queries.py reads them this way and validates each against the server's schema.
import { runnerImport } from "vite";

const MODULES = ["./src/queries.ts", "./src/search-query.ts", "./src/graphiql/example.ts"];

const documents = {};
for (const path of MODULES) {
  const { module } = await runnerImport(path, { root: import.meta.dirname, configFile: false, logLevel: "silent" });
  for (const [name, value] of Object.entries(module)) {
    if (typeof value?.text === "string") documents[name] = value.text;
  }
}
process.stdout.write(JSON.stringify(documents, null, 2) + "\n");
