import { defineConfig } from "vite";

// The Starlette app serves dist/index.html at / and /lineage, and dist/assets/* at /assets/.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { "/graphql": "http://127.0.0.1:8000" } },
});
