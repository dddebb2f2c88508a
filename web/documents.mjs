// Prints every GraphQL document src/queries.ts exports, by export name, as JSON.
// tests/web/test_queries.py reads them this way and validates each against the server's schema.
import { runnerImport } from "vite";

const { module } = await runnerImport("./src/queries.ts", {
  root: import.meta.dirname,
  configFile: false,
  logLevel: "silent",
});
const documents = Object.fromEntries(
  Object.entries(module)
    .filter(([, value]) => typeof value?.text === "string")
    .map(([name, value]) => [name, value.text]),
);
process.stdout.write(JSON.stringify(documents, null, 2) + "\n");
