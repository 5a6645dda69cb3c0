import { build } from "esbuild";

/**
 * A Node entry point as one ESM file. Native and WASM packages stay external (they load files
 * beside themselves), as do fengari and maildev (only the development gateway and the development
 * mail catcher need them; maildev also serves its web page's files from its own folder).
 */
export async function bundleForNode(entry: string, outfile: string): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22.12",
    sourcemap: "linked",
    external: [
      "@node-rs/argon2",
      "@electric-sql/pglite",
      "@electric-sql/pglite-socket",
      "fengari",
      "maildev",
    ],
    // Bundled CommonJS dependencies still call require(); ESM has none of its own.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: "warning",
  });
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}
