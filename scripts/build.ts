import { build } from "esbuild";

/**
 * `npm run build`: the Node server as one ESM file, `dist/node.mjs`, which `npm start` runs.
 * Loading hundreds of TypeScript modules through tsx at start-up leaves the process at ~290 MB
 * RSS before its first request; the bundle starts at ~100 MB. Native and WASM packages stay
 * external (they load files beside themselves), as does fengari (only the development gateway).
 */
const result = await build({
  entryPoints: ["src/node.ts"],
  outfile: "dist/node.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22.12",
  sourcemap: "linked",
  external: ["@node-rs/argon2", "@electric-sql/pglite", "@electric-sql/pglite-socket", "fengari"],
  // Bundled CommonJS dependencies still call require(); ESM has none of its own.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: "warning",
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`dist/node.mjs built (${(bytes / 1024 / 1024).toFixed(1)} MiB with its source map)`);
