import type { CodegenConfig } from "@graphql-codegen/cli";

// The types of the page's answers, from the schema the server serves (committed, checked against it by
// tests/schema) and the documents in src/. `npm run codegen` writes them; `npm run codegen-check` fails when stale.
const config: CodegenConfig = {
  schema: "../schema/schema.graphql",
  documents: ["src/**/*.ts", "!src/generated/**"],
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations"],
      config: {
        scalars: { DateTime: "string", JSON: "unknown", Long: "number" },
        skipTypename: true,
        avoidOptionals: true,
        strictScalars: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
