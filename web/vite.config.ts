import { defineConfig } from "vite";

// The Starlette app serves dist/index.html at / and /lineage, dist/graphiql.html at /graphiql (and at /graphql to a
// browser), and dist/assets/* at /assets/. GraphiQL's Monaco editor and its workers are bundled there too.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    sourcemap: true,
    // Monaco is one 2.8 MB chunk, loaded by the GraphiQL page only; the lineage page stays far below this.
    chunkSizeWarningLimit: 3072,
    rolldownOptions: {
      input: { index: "index.html", graphiql: "graphiql.html" },
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server rendering, which does not exist in this bundle.
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: { proxy: { "/graphql": "http://127.0.0.1:8000" } },
});
